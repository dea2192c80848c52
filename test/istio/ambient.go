// Ambient mode: the two enforcement points of a request to a workload in an ambient namespace.
//
//   - The waypoint (an Envoy): istiod selects the policies for a waypoint proxy (those whose
//     targetRefs name its Gateway, or the Service the request is for) and translates them with the
//     builder it uses for waypoints (listener_waypoint.go, authz.NewBuilderForService); the same
//     Envoy as for sidecars enforces them, so a request's principal is the caller's own, as the
//     waypoint reads it from ztunnel's HBONE connection.
//   - ztunnel: istiod's own conversion for ztunnel (ambient.PolicyCollections, which calls
//     convertAuthorizationPolicy) produces the workload API Authorization objects istiod sends.
//     ztunnel itself is Rust and is not published as a library; evaluate() below is a port of its
//     evaluation (ztunnel src/rbac.rs Authorization::matches, src/state.rs assert_rbac), and is
//     the one part of the ambient oracle that is not someone else's running code.
package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	meshconfig "istio.io/api/mesh/v1alpha1"
	securityclient "istio.io/client-go/pkg/apis/security/v1"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/serviceregistry/ambient"
	"istio.io/istio/pkg/config/labels"
	"istio.io/istio/pkg/kube/krt"
	"istio.io/istio/pkg/workloadapi/security"
)

type waypointRef struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

type ambientInput struct {
	// Waypoint the namespace's services use; nil: no waypoint, ztunnel alone decides.
	Waypoint *waypointRef `json:"waypoint"`
	// Service the requests are addressed to (policies may target it); empty: a Service no policy names.
	Service string `json:"service"`
}

type hopVerdict struct {
	Allowed bool   `json:"allowed"`
	Policy  string `json:"policy"`
}

// ztunnelAuthorizations converts the policies as istiod does for ztunnel and returns those that
// apply to a workload with labels in namespace (its namespace's, the root namespace's, and
// those whose selector it matches), sorted by namespace/name.
func ztunnelAuthorizations(raws []json.RawMessage, in input) ([]*security.Authorization, error) {
	var policies []*securityclient.AuthorizationPolicy
	for _, raw := range raws {
		p := &securityclient.AuthorizationPolicy{}
		if err := json.Unmarshal(raw, p); err != nil {
			return nil, fmt.Errorf("reading a policy for ztunnel: %v", err)
		}
		policies = append(policies, p)
	}
	stop := make(chan struct{})
	defer close(stop)
	opts := krt.NewOptionsBuilder(stop, "oracle", nil)
	mesh := krt.NewStatic[ambient.MeshConfig](&ambient.MeshConfig{MeshConfig: &meshconfig.MeshConfig{
		RootNamespace: in.RootNamespace, TrustDomain: in.TrustDomain,
	}}, true)
	authz, _ := ambient.PolicyCollections(
		krt.NewStaticCollection[*securityclient.AuthorizationPolicy](nil, policies),
		krt.NewStaticCollection[*securityclient.PeerAuthentication](nil, nil),
		mesh,
		krt.NewStaticCollection[ambient.Waypoint](nil, nil),
		opts,
		ambient.FeatureFlags{},
	)
	if !authz.WaitUntilSynced(stop) {
		return nil, fmt.Errorf("istiod's ambient policy collection did not sync")
	}
	var out []*security.Authorization
	for _, wa := range authz.List() {
		a := wa.Authorization
		if a == nil {
			continue // not sent to ztunnel (dry-run, unsupported action)
		}
		if a.Namespace != in.Namespace && a.Namespace != in.RootNamespace {
			continue
		}
		// As buildWorkloadPolicies (workloads.go) attaches selector policies to a workload: a
		// selector with labels (GetLabelSelector() != nil), each on the workload (labels.SubsetOf).
		if a.Scope == security.Scope_WORKLOAD_SELECTOR &&
			(wa.GetLabelSelector() == nil || !labels.Instance(wa.GetLabelSelector()).SubsetOf(in.Labels)) {
			continue
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace+"/"+out[i].Name < out[j].Namespace+"/"+out[j].Name })
	return out, nil
}

// l4Conn is a connection as the destination ztunnel sees it; a zero address means unknown
// (the waypoint's pod address, which the oracle does not model): it lies in no block.
type l4Conn struct {
	principal string // without spiffe://; empty for plaintext
	src, dst  netip.Addr
	port      uint32
}

func stringMatches(m *security.StringMatch, value string) bool {
	switch t := m.GetMatchType().(type) {
	case *security.StringMatch_Exact:
		return value == t.Exact
	case *security.StringMatch_Prefix:
		return strings.HasPrefix(value, t.Prefix)
	case *security.StringMatch_Suffix:
		return strings.HasSuffix(value, t.Suffix)
	case *security.StringMatch_Presence:
		return value != ""
	}
	return false
}

func addressContains(a *security.Address, ip netip.Addr) bool {
	addr, ok := netip.AddrFromSlice(a.GetAddress())
	if !ok || !ip.IsValid() {
		return false
	}
	prefix := netip.PrefixFrom(addr, int(a.GetLength()))
	return prefix.IsValid() && prefix.Contains(ip)
}

// either is ztunnel's matches_internal: every positive list non-empty must have a hit, no negative may.
func either[T any](positive, negative []T, test func(T) bool) bool {
	hit := func(list []T) bool {
		for _, v := range list {
			if test(v) {
				return true
			}
		}
		return false
	}
	return (len(positive) == 0 || hit(positive)) && (len(negative) == 0 || !hit(negative))
}

func emptyMatch(m *security.Match) bool {
	return len(m.Namespaces)+len(m.NotNamespaces)+len(m.ServiceAccounts)+len(m.NotServiceAccounts)+len(m.Principals)+
		len(m.NotPrincipals)+len(m.SourceIps)+len(m.NotSourceIps)+len(m.DestinationIps)+len(m.NotDestinationIps)+
		len(m.DestinationPorts)+len(m.NotDestinationPorts) == 0
}

func matchOne(m *security.Match, c l4Conn) bool {
	ns, sa := "", ""
	if parts := strings.Split(c.principal, "/"); c.principal != "" && len(parts) == 5 && parts[1] == "ns" && parts[3] == "sa" {
		ns, sa = parts[2], parts[4]
	}
	return either(m.DestinationIps, m.NotDestinationIps, func(a *security.Address) bool { return addressContains(a, c.dst) }) &&
		either(m.SourceIps, m.NotSourceIps, func(a *security.Address) bool { return addressContains(a, c.src) }) &&
		either(m.DestinationPorts, m.NotDestinationPorts, func(p uint32) bool { return p == c.port }) &&
		either(m.ServiceAccounts, m.NotServiceAccounts, func(s *security.ServiceAccountMatch) bool {
			return c.principal != "" && s.Namespace == ns && s.ServiceAccount == sa
		}) &&
		either(m.Principals, m.NotPrincipals, func(s *security.StringMatch) bool { return c.principal != "" && stringMatches(s, c.principal) }) &&
		either(m.Namespaces, m.NotNamespaces, func(s *security.StringMatch) bool { return stringMatches(s, ns) })
}

// authorizationMatches ports Authorization::matches: groups OR, rules (clauses) AND, matches OR;
// an empty match never matches, a clause without matches always does, no groups never matches.
func authorizationMatches(a *security.Authorization, c l4Conn) bool {
	for _, group := range a.Groups {
		all := true
		for _, clause := range group.Rules {
			any := len(clause.Matches) == 0
			for _, m := range clause.Matches {
				if !emptyMatch(m) && matchOne(m, c) {
					any = true
					break
				}
			}
			if !any {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// evaluate ports assert_rbac: a matching DENY refuses, no ALLOW admits, else an ALLOW must match.
func evaluate(auths []*security.Authorization, c l4Conn) hopVerdict {
	for _, a := range auths {
		if a.Action == security.Action_DENY && !a.DryRun && authorizationMatches(a, c) {
			return hopVerdict{Allowed: false, Policy: a.Namespace + "/" + a.Name}
		}
	}
	allows := 0
	for _, a := range auths {
		if a.Action != security.Action_ALLOW || a.DryRun {
			continue
		}
		allows++
		if authorizationMatches(a, c) {
			return hopVerdict{Allowed: true, Policy: a.Namespace + "/" + a.Name}
		}
	}
	return hopVerdict{Allowed: allows == 0}
}

// waypointProxy is the proxy istiod builds a waypoint's filters for.
func waypointProxy(w *waypointRef) *model.Proxy {
	labels := map[string]string{"gateway.networking.k8s.io/gateway-name": w.Name}
	return &model.Proxy{
		ID:              "waypoint",
		Type:            model.Waypoint,
		ConfigNamespace: w.Namespace,
		Labels:          labels,
		Metadata:        &model.NodeMetadata{Labels: labels, Namespace: w.Namespace},
	}
}

func principalOf(w *waypointRef, trustDomain string) string {
	return fmt.Sprintf("%s/ns/%s/sa/%s", trustDomain, w.Namespace, w.Name)
}
