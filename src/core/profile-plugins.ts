/** The plugins of a Kubeflow Profile (`spec.plugins[]`) that the profile controller supports. */

/** Names of the plugins the Kubeflow profile controller supports. */
export enum ProfilePluginKind {
  /** GKE Workload Identity: binds `default-editor` to a GCP service account. */
  WORKLOAD_IDENTITY = 'WorkloadIdentity',
  /** EKS IAM roles for service accounts: binds `default-editor` to an IAM role. */
  AWS_IAM_FOR_SERVICE_ACCOUNT = 'AwsIamForServiceAccount',
}

/** A Profile plugin (`spec.plugins[]`), with its spec fields flattened. */
export interface ProfilePlugin {
  /** The plugin kind. */
  readonly kind: ProfilePluginKind;

  /**
   * GCP service account e-mail; required for `WorkloadIdentity`.
   * @default - none
   */
  readonly gcpServiceAccount?: string;

  /**
   * IAM role ARN; required for `AwsIamForServiceAccount`.
   * @default - none
   */
  readonly awsIamRole?: string;

  /**
   * For `AwsIamForServiceAccount`: only annotate the ServiceAccount; the role's
   * trust policy is managed elsewhere (a synth-time tool never edits it).
   * @default false
   */
  readonly annotateOnly?: boolean;
}
