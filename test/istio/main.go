// Command istio-oracle decides HTTP requests against a namespace's AuthorizationPolicies the way
// a sidecar does: istiod's own code (validation, policy selection for the workload, translation
// into Envoy RBAC filters) builds the filters, and a real Envoy enforces them on loopback.
//
// Input (JSON on stdin):
//
//	{"envoy": "/path/to/envoy", "trustDomain": "cluster.local", "rootNamespace": "istio-system",
//	 "namespace": "team-a", "labels": {"app": "x"}, "policies": [<AuthorizationPolicy objects>],
//	 "requests": [{"id": "1", "principal": "cluster.local/ns/x/sa/y", "method": "GET",
//	               "path": "/", "port": 8080, "headers": {"kubeflow-userid": "a@b.c"}}]}
//
// An empty principal sends the request in plaintext (no peer identity). Output: one JSON line
// per policy Istio's validation refuses ({"invalid": name, "error": ...}), then one per request:
// {"id", "status", "allowed", "policy", "details"}, where policy is "namespace/name" of the policy
// whose rule decided (the matched ALLOW rule, or the matched DENY rule), empty when none did.
package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	accesslog "github.com/envoyproxy/go-control-plane/envoy/config/accesslog/v3"
	bootstrap "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	router "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	tlsinspector "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/tls_inspector/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	meshconfig "istio.io/api/mesh/v1alpha1"
	authpb "istio.io/api/security/v1beta1"

	"istio.io/istio/pilot/pkg/config/kube/crd"
	"istio.io/istio/pilot/pkg/config/memory"
	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/networking"
	"istio.io/istio/pilot/pkg/networking/plugin/authz"
	"istio.io/istio/pilot/pkg/serviceregistry/provider"
	"istio.io/istio/pkg/config/schema/collections"
	istiolog "istio.io/istio/pkg/log"
)

type request struct {
	ID        string            `json:"id"`
	Principal string            `json:"principal"`
	Method    string            `json:"method"`
	Path      string            `json:"path"`
	Port      int               `json:"port"`
	Headers   map[string]string `json:"headers"`
	// SourceIP is the loopback address the request comes from (127.0.0.0/8); empty: 127.0.0.1.
	SourceIP string `json:"sourceIp"`
}

type input struct {
	Envoy         string            `json:"envoy"`
	TrustDomain   string            `json:"trustDomain"`
	RootNamespace string            `json:"rootNamespace"`
	Namespace     string            `json:"namespace"`
	Labels        map[string]string `json:"labels"`
	Policies      []json.RawMessage `json:"policies"`
	Requests      []request         `json:"requests"`
	// Ambient, when set, decides as ambient mode does (ambient.go): the waypoint, then ztunnel.
	Ambient *ambientInput `json:"ambient"`
}

type verdict struct {
	ID      string `json:"id"`
	Status  int    `json:"status"`
	Allowed bool   `json:"allowed"`
	Policy  string `json:"policy"`
	Details string `json:"details"`
	// Ambient mode: the waypoint's verdict (Envoy), ztunnel's for the waypoint's connection, and
	// ztunnel's for the caller's own connection (pod address, or a Service that skips the waypoint).
	Waypoint             *hopVerdict `json:"waypoint,omitempty"`
	ZtunnelAfterWaypoint *hopVerdict `json:"ztunnelAfterWaypoint,omitempty"`
	Ztunnel              *hopVerdict `json:"ztunnel,omitempty"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "istio-oracle:", err)
		os.Exit(1)
	}
}

func run() error {
	// Istio logs to stdout by default; stdout carries the verdicts.
	logOptions := istiolog.DefaultOptions()
	logOptions.OutputPaths = []string{"stderr"}
	logOptions.ErrorOutputPaths = []string{"stderr"}
	if err := istiolog.Configure(logOptions); err != nil {
		return err
	}
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		return fmt.Errorf("reading the input: %v", err)
	}
	if in.TrustDomain == "" {
		in.TrustDomain = "cluster.local"
	}
	if in.RootNamespace == "" {
		in.RootNamespace = "istio-system"
	}
	if in.Labels == nil {
		// A workload without labels, as the model has it: an empty set, not "no filter" (krt's
		// FilterSelects(nil) would attach every selector policy, as Istio does for a pod with none).
		in.Labels = map[string]string{}
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	emit := func(v any) {
		line, _ := json.Marshal(v)
		out.Write(append(line, '\n'))
	}

	// Istio's validation, as the admission webhook runs it: a policy it refuses never reaches istiod.
	store := memory.Make(collections.Pilot)
	// AUDIT policies only log, but Envoy's LOG filter records their id as the effective policy too.
	audit := map[string]bool{}
	var accepted []json.RawMessage
	for _, raw := range in.Policies {
		configs, _, err := crd.ParseInputs(string(raw))
		if err != nil {
			var meta struct {
				Metadata struct{ Name string } `json:"metadata"`
			}
			_ = json.Unmarshal(raw, &meta)
			emit(map[string]string{"invalid": meta.Metadata.Name, "error": err.Error()})
			continue
		}
		accepted = append(accepted, raw)
		for _, c := range configs {
			if _, err := store.Create(c); err != nil {
				return err
			}
			if spec, ok := c.Spec.(*authpb.AuthorizationPolicy); ok && spec.Action == authpb.AuthorizationPolicy_AUDIT {
				audit[c.Namespace+"/"+c.Name] = true
			}
		}
	}
	filters, err := rbacFilters(store, in)
	if err != nil {
		return err
	}
	verdicts, err := decide(in, filters)
	if err != nil {
		return err
	}
	for i := range verdicts {
		if audit[verdicts[i].Policy] {
			verdicts[i].Policy = ""
		}
	}
	if in.Ambient != nil {
		if err := ambientVerdicts(in, accepted, verdicts); err != nil {
			return err
		}
	}
	for _, v := range verdicts {
		emit(v)
	}
	return nil
}

// ambientVerdicts completes Envoy's verdicts (the waypoint's, when there is one) with ztunnel's
// and decides each request as ambient mode does: admitted when a route admits it, through the
// waypoint (the waypoint, then ztunnel with the waypoint's identity) or straight to ztunnel.
func ambientVerdicts(in input, accepted []json.RawMessage, verdicts []verdict) error {
	auths, err := ztunnelAuthorizations(accepted, in)
	if err != nil {
		return err
	}
	loopback := netip.MustParseAddr("127.0.0.1")
	for i, r := range in.Requests {
		v := &verdicts[i]
		src := loopback
		if r.SourceIP != "" {
			src = netip.MustParseAddr(r.SourceIP)
		}
		direct := evaluate(auths, l4Conn{principal: r.Principal, src: src, dst: loopback, port: uint32(r.Port)})
		v.Ztunnel = &direct
		routes := []hopVerdict{}
		if w := in.Ambient.Waypoint; w != nil {
			l7 := hopVerdict{Allowed: v.Allowed, Policy: v.Policy}
			v.Waypoint = &l7
			via := l7
			if l7.Allowed {
				hop := evaluate(auths, l4Conn{principal: principalOf(w, in.TrustDomain), dst: loopback, port: uint32(r.Port)})
				v.ZtunnelAfterWaypoint = &hop
				if !hop.Allowed {
					via = hop
				}
			}
			routes = append(routes, via)
		}
		routes = append(routes, direct)
		final := routes[0]
		for _, route := range routes {
			if route.Allowed {
				final = route
				break
			}
		}
		v.Allowed, v.Policy = final.Allowed, final.Policy
	}
	return nil
}

// rbacFilters returns the HTTP filters istiod builds for an inbound sidecar listener of a workload
// with in.Labels in in.Namespace.
func rbacFilters(store model.ConfigStore, in input) ([]*hcm.HttpFilter, error) {
	mesh := &meshconfig.MeshConfig{TrustDomain: in.TrustDomain, RootNamespace: in.RootNamespace}
	policies := model.GetAuthorizationPolicies(&model.Environment{ConfigStore: store})
	policies.RootNamespace = in.RootNamespace
	push := &model.PushContext{AuthzPolicies: policies, Mesh: mesh}
	if in.Ambient != nil {
		if in.Ambient.Waypoint == nil {
			return nil, nil // no waypoint: Envoy's answer is not used
		}
		// As buildWaypointHTTPFilters does for a service chain (the oracle's requests carry the
		// caller's certificate, so principals are read from the connection, not filter state).
		var svc *model.Service
		if in.Ambient.Service != "" {
			svc = &model.Service{Attributes: model.ServiceAttributes{
				Name: in.Ambient.Service, Namespace: in.Namespace, ServiceRegistry: provider.Kubernetes,
			}}
		}
		proxy := waypointProxy(in.Ambient.Waypoint)
		if len(authz.NewBuilderForService(authz.Custom, push, proxy, false, svc).BuildHTTP(networking.ListenerClassSidecarInbound)) > 0 {
			return nil, fmt.Errorf("CUSTOM policies (ext_authz) are not modelled")
		}
		return authz.NewBuilderForService(authz.Local, push, proxy, false, svc).BuildHTTP(networking.ListenerClassSidecarInbound), nil
	}
	proxy := &model.Proxy{
		ID:              "oracle",
		Type:            model.SidecarProxy,
		ConfigNamespace: in.Namespace,
		Labels:          in.Labels,
		Metadata:        &model.NodeMetadata{Labels: in.Labels, Namespace: in.Namespace},
	}
	custom := authz.NewBuilder(authz.Custom, push, proxy, false).BuildHTTP(networking.ListenerClassSidecarInbound)
	if len(custom) > 0 {
		return nil, fmt.Errorf("CUSTOM policies (ext_authz) are not modelled")
	}
	return authz.NewBuilder(authz.Local, push, proxy, false).BuildHTTP(networking.ListenerClassSidecarInbound), nil
}

type pki struct {
	caPEM          []byte
	serverCert     []byte
	serverKey      []byte
	caCert         *x509.Certificate
	caKey          *ecdsa.PrivateKey
	clientsByPrinc map[string]tls.Certificate
}

func newPKI() (*pki, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "oracle-ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, _ := x509.ParseCertificate(der)
	p := &pki{caPEM: pemOf("CERTIFICATE", der), caCert: caCert, caKey: caKey, clientsByPrinc: map[string]tls.Certificate{}}
	certPEM, keyPEM, err := p.leaf(2, &x509.Certificate{DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err != nil {
		return nil, err
	}
	p.serverCert, p.serverKey = certPEM, keyPEM
	return p, nil
}

func pemOf(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}

func (p *pki) leaf(serial int64, template *x509.Certificate) ([]byte, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	template.SerialNumber = big.NewInt(serial)
	template.Subject = pkix.Name{CommonName: "oracle"}
	template.NotBefore = time.Now().Add(-time.Hour)
	template.NotAfter = time.Now().Add(24 * time.Hour)
	template.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, template, p.caCert, &key.PublicKey, p.caKey)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pemOf("CERTIFICATE", der), pemOf("EC PRIVATE KEY", keyDER), nil
}

// client returns the client certificate of a SPIFFE principal (trust domain/ns/x/sa/y).
func (p *pki) client(principal string) (tls.Certificate, error) {
	if c, ok := p.clientsByPrinc[principal]; ok {
		return c, nil
	}
	uri, err := url.Parse("spiffe://" + principal)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("principal %q: %v", principal, err)
	}
	certPEM, keyPEM, err := p.leaf(int64(3+len(p.clientsByPrinc)), &x509.Certificate{URIs: []*url.URL{uri},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return tls.Certificate{}, err
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, err
	}
	p.clientsByPrinc[principal] = c
	return c, nil
}

func inline(b []byte) *core.DataSource {
	return &core.DataSource{Specifier: &core.DataSource_InlineBytes{InlineBytes: b}}
}

func typed(m proto.Message) *anypb.Any {
	a, err := anypb.New(m)
	if err != nil {
		panic(err)
	}
	return a
}

// bootstrapFor writes one listener per port: an mTLS chain (client certificate required) and a
// plaintext chain, both into the same HTTP connection manager with Istio's default path
// normalization, the RBAC filters and a direct 200 that names the deciding policy.
func bootstrapFor(ports []int, filters []*hcm.HttpFilter, p *pki) *bootstrap.Bootstrap {
	const detailsHeader = "x-oracle-details"
	httpFilters := append(append([]*hcm.HttpFilter{}, filters...), &hcm.HttpFilter{
		Name: "envoy.filters.http.router", ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: typed(&router.Router{})},
	})
	manager := &hcm.HttpConnectionManager{
		StatPrefix: "oracle",
		// Istio's default (BASE): RFC 3986 normalization, escaped slashes kept as they are.
		NormalizePath:                wrapperspb.Bool(true),
		PathWithEscapedSlashesAction: hcm.HttpConnectionManager_KEEP_UNCHANGED,
		HttpFilters:                  httpFilters,
		RouteSpecifier: &hcm.HttpConnectionManager_RouteConfig{RouteConfig: &route.RouteConfiguration{
			Name: "oracle",
			VirtualHosts: []*route.VirtualHost{{
				Name: "oracle", Domains: []string{"*"},
				Routes: []*route.Route{{
					Match:  &route.RouteMatch{PathSpecifier: &route.RouteMatch_Prefix{Prefix: "/"}},
					Action: &route.Route_DirectResponse{DirectResponse: &route.DirectResponseAction{Status: 200}},
					ResponseHeadersToAdd: []*core.HeaderValueOption{{Header: &core.HeaderValue{
						Key: detailsHeader, Value: "%DYNAMIC_METADATA(envoy.filters.http.rbac:enforced_effective_policy_id)%",
					}}},
				}},
			}},
		}},
		LocalReplyConfig: &hcm.LocalReplyConfig{Mappers: []*hcm.ResponseMapper{{
			Filter: &accesslog.AccessLogFilter{FilterSpecifier: &accesslog.AccessLogFilter_StatusCodeFilter{
				StatusCodeFilter: &accesslog.StatusCodeFilter{Comparison: &accesslog.ComparisonFilter{
					Op: accesslog.ComparisonFilter_GE, Value: &core.RuntimeUInt32{DefaultValue: 400, RuntimeKey: "oracle.local_reply"},
				}},
			}},
			HeadersToAdd: []*core.HeaderValueOption{{Header: &core.HeaderValue{
				Key: detailsHeader, Value: "%RESPONSE_CODE_DETAILS%",
			}}},
		}}},
	}
	chain := func(match *listener.FilterChainMatch, socket *core.TransportSocket) *listener.FilterChain {
		return &listener.FilterChain{
			FilterChainMatch: match,
			Filters: []*listener.Filter{{
				Name: "envoy.filters.network.http_connection_manager", ConfigType: &listener.Filter_TypedConfig{TypedConfig: typed(manager)},
			}},
			TransportSocket: socket,
		}
	}
	tlsContext := &tlsv3.DownstreamTlsContext{
		RequireClientCertificate: wrapperspb.Bool(true),
		CommonTlsContext: &tlsv3.CommonTlsContext{
			TlsCertificates: []*tlsv3.TlsCertificate{{CertificateChain: inline(p.serverCert), PrivateKey: inline(p.serverKey)}},
			ValidationContextType: &tlsv3.CommonTlsContext_ValidationContext{
				ValidationContext: &tlsv3.CertificateValidationContext{TrustedCa: inline(p.caPEM)},
			},
		},
	}
	var listeners []*listener.Listener
	for _, port := range ports {
		listeners = append(listeners, &listener.Listener{
			Name: fmt.Sprintf("inbound-%d", port),
			// Envoy binds with SO_REUSEPORT by default: a second oracle on the machine would share
			// the port and answer with its own certificates. Without it, the second one fails to start.
			EnableReusePort: wrapperspb.Bool(false),
			Address: &core.Address{Address: &core.Address_SocketAddress{SocketAddress: &core.SocketAddress{
				Address: "127.0.0.1", PortSpecifier: &core.SocketAddress_PortValue{PortValue: uint32(port)},
			}}},
			ListenerFilters: []*listener.ListenerFilter{{
				Name: "envoy.filters.listener.tls_inspector", ConfigType: &listener.ListenerFilter_TypedConfig{TypedConfig: typed(&tlsinspector.TlsInspector{})},
			}},
			FilterChains: []*listener.FilterChain{
				chain(&listener.FilterChainMatch{TransportProtocol: "tls"}, &core.TransportSocket{
					Name: "envoy.transport_sockets.tls", ConfigType: &core.TransportSocket_TypedConfig{TypedConfig: typed(tlsContext)},
				}),
				chain(&listener.FilterChainMatch{TransportProtocol: "raw_buffer"}, nil),
			},
		})
	}
	return &bootstrap.Bootstrap{
		Node:            &core.Node{Id: "oracle", Cluster: "oracle"},
		StaticResources: &bootstrap.Bootstrap_StaticResources{Listeners: listeners},
	}
}

// listenPorts lists the distinct ports of the requests: Istio's port rules compare the port the
// connection arrived on, so each requested port gets a listener of its own on loopback.
func listenPorts(requests []request) []int {
	seen := map[int]bool{}
	var ports []int
	for _, r := range requests {
		if !seen[r.Port] {
			seen[r.Port] = true
			ports = append(ports, r.Port)
		}
	}
	sort.Ints(ports)
	return ports
}

var policyID = regexp.MustCompile(`ns\[([^\]]*)\]-policy\[(.*)\]-rule\[\d+\]`)

func decidingPolicy(details string) string {
	if m := policyID.FindStringSubmatch(details); m != nil {
		return m[1] + "/" + m[2]
	}
	return ""
}

func decide(in input, filters []*hcm.HttpFilter) ([]verdict, error) {
	dir, err := os.MkdirTemp("", "istio-oracle-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	p, err := newPKI()
	if err != nil {
		return nil, err
	}
	for i, r := range in.Requests {
		if r.Port <= 0 || r.Port > 65535 {
			return nil, fmt.Errorf("request %s: port %d", r.ID, r.Port)
		}
		if r.Method == "" {
			in.Requests[i].Method = "GET"
		}
	}
	ports := listenPorts(in.Requests)
	config, err := protojson.Marshal(bootstrapFor(ports, filters, p))
	if err != nil {
		return nil, err
	}
	configPath := filepath.Join(dir, "bootstrap.json")
	if err := os.WriteFile(configPath, config, 0o600); err != nil {
		return nil, err
	}
	envoy := exec.Command(in.Envoy, "-c", configPath, "--concurrency", "1", "-l", "warning", "--disable-hot-restart")
	envoy.Stdout = os.Stderr
	envoy.Stderr = os.Stderr
	if err := envoy.Start(); err != nil {
		return nil, fmt.Errorf("starting envoy: %v", err)
	}
	// Closed when Envoy exits; waiters only read it, so a failed start cannot block the cleanup.
	exited := make(chan struct{})
	var exitErr error
	go func() {
		exitErr = envoy.Wait()
		close(exited)
	}()
	defer func() {
		_ = envoy.Process.Kill()
		<-exited
	}()
	if err := waitForPorts(ports, exited, &exitErr); err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(p.caPEM)
	var verdicts []verdict
	for _, r := range in.Requests {
		v, err := send(r, p, roots)
		if err != nil {
			return nil, fmt.Errorf("request %s: %v", r.ID, err)
		}
		verdicts = append(verdicts, v)
	}
	return verdicts, nil
}

func waitForPorts(ports []int, exited chan struct{}, exitErr *error) error {
	deadline := time.Now().Add(20 * time.Second)
	for _, port := range ports {
		for {
			select {
			case <-exited:
				return fmt.Errorf("envoy exited before listening: %v", *exitErr)
			default:
			}
			conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
			if err == nil {
				conn.Close()
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("envoy is not listening on %d after 20 s", port)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

// send writes the request line and headers exactly as given (no client library adds, orders or
// rewrites anything: a path starting with "//" stays a path) and reads the response.
func send(r request, p *pki, roots *x509.CertPool) (verdict, error) {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if r.SourceIP != "" {
		ip := net.ParseIP(r.SourceIP)
		if ip == nil || !ip.IsLoopback() || ip.To4() == nil {
			return verdict{}, fmt.Errorf("source address %q: only IPv4 loopback addresses can be dialled from", r.SourceIP)
		}
		dialer.LocalAddr = &net.TCPAddr{IP: ip}
	}
	conn, err := dialer.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.Port))
	if err != nil {
		return verdict{}, err
	}
	defer conn.Close()
	if r.Principal != "" {
		cert, err := p.client(r.Principal)
		if err != nil {
			return verdict{}, err
		}
		tlsConn := tls.Client(conn, &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: roots, ServerName: "localhost",
			NextProtos: []string{"http/1.1"}})
		if err := tlsConn.Handshake(); err != nil {
			return verdict{}, err
		}
		conn = tlsConn
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	host := fmt.Sprintf("127.0.0.1:%d", r.Port)
	var head strings.Builder
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\n", r.Method, r.Path)
	names := make([]string, 0, len(r.Headers))
	for name := range r.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if strings.EqualFold(name, "host") {
			host = r.Headers[name]
			continue
		}
		fmt.Fprintf(&head, "%s: %s\r\n", name, r.Headers[name])
	}
	fmt.Fprintf(&head, "Host: %s\r\nConnection: close\r\n\r\n", host)
	if _, err := io.WriteString(conn, head.String()); err != nil {
		return verdict{}, err
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: r.Method})
	if err != nil {
		return verdict{}, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	details := res.Header.Get("x-oracle-details")
	return verdict{ID: r.ID, Status: res.StatusCode, Allowed: res.StatusCode == 200, Policy: decidingPolicy(details), Details: details}, nil
}
