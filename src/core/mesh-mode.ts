/** How a tenant is meshed: the Istio data plane mode and the AuthorizationPolicy API version. */

/** How the Istio data plane reaches a namespace's pods. */
export enum MeshMode {
  /** Envoy sidecars injected into every pod (`istio-injection: enabled`); Kubeflow's default. */
  SIDECAR = 'sidecar',
  /** Istio ambient mode: ztunnel plus a waypoint proxy for L7 policy. */
  AMBIENT = 'ambient',
}

/** The `security.istio.io` version AuthorizationPolicies are written in. */
export enum IstioSecurityApiVersion {
  /**
   * `security.istio.io/v1beta1`, what Kubeflow's profile controller writes;
   * served by every Istio release Kubeflow supports.
   */
  V1BETA1 = 'v1beta1',
  /** `security.istio.io/v1`, served from Istio 1.22 on. */
  V1 = 'v1',
}
