// Command render runs Argo CD's own code over synthesized output, as the integration test
// (test/integration/argocd.itest.ts) needs it: the ApplicationSet controller's template
// expansion with its git directory generator, and the repo-server's manifest generation for
// every resulting Application, both against a Git repository served over HTTP. The repo-server
// service runs in this process (without its gRPC transport) with an in-memory cache; it clones
// with the git CLI and builds kustomize folders with the kustomize binary on PATH, as in Argo CD.
//
// It prints JSON: each Application (name, source path, destination, sync policy) with the
// objects its manifest generation yields (apiVersion, kind, namespace, name, sync wave).
//
// With -kubeconfig it also syncs each Application to that cluster with Argo CD's sync engine
// (gitops-engine: waves, server-side apply, prune), tracking resources by annotation as Argo CD
// 3 does, and reports each resource's result and order. -removed names Applications the
// ApplicationSet no longer makes: their resources are deleted, as Argo CD's resources finalizer
// does when the ApplicationSet deletes such an Application.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/cache"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/engine"
	gitopssync "github.com/argoproj/argo-cd/gitops-engine/v3/pkg/sync"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/sync/common"
	"github.com/argoproj/argo-cd/v3/applicationset/controllers/template"
	"github.com/argoproj/argo-cd/v3/applicationset/generators"
	"github.com/argoproj/argo-cd/v3/applicationset/utils"
	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	"github.com/argoproj/argo-cd/v3/reposerver/apiclient"
	reposervercache "github.com/argoproj/argo-cd/v3/reposerver/cache"
	"github.com/argoproj/argo-cd/v3/reposerver/metrics"
	"github.com/argoproj/argo-cd/v3/reposerver/repository"
	"github.com/argoproj/argo-cd/v3/util/argo"
	cacheutil "github.com/argoproj/argo-cd/v3/util/cache"
	"github.com/argoproj/argo-cd/v3/util/git"
	log "github.com/sirupsen/logrus"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"
)

// repoServerRepos answers the generator's questions with the repo-server service, as Argo CD's
// ApplicationSet controller does through gRPC; a repository nobody registered is a plain URL,
// which is what Argo CD's settings database returns for a public repository.
type repoServerRepos struct {
	service *repository.Service
}

func (r repoServerRepos) GetFiles(ctx context.Context, repoURL, revision, project, pattern string, noRevisionCache bool, _ *v1alpha1.SourceIntegrity) (map[string][]byte, error) {
	res, err := r.service.GetGitFiles(ctx, &apiclient.GitFilesRequest{Repo: &v1alpha1.Repository{Repo: repoURL}, Revision: revision, Path: pattern, NoRevisionCache: noRevisionCache, NewGitFileGlobbingEnabled: true})
	if err != nil {
		return nil, err
	}
	return res.GetMap(), nil
}

func (r repoServerRepos) GetDirectories(ctx context.Context, repoURL, revision, project string, noRevisionCache bool, _ *v1alpha1.SourceIntegrity) ([]string, error) {
	res, err := r.service.GetGitDirectories(ctx, &apiclient.GitDirectoriesRequest{Repo: &v1alpha1.Repository{Repo: repoURL}, Revision: revision, NoRevisionCache: noRevisionCache})
	if err != nil {
		return nil, err
	}
	return res.GetPaths(), nil
}

func (r repoServerRepos) GetOciFiles(context.Context, string, string, string, string, bool) (map[string][]byte, error) {
	return nil, fmt.Errorf("no OCI sources here")
}

func (r repoServerRepos) GetOciDirectories(context.Context, string, string, string, bool) ([]string, error) {
	return nil, fmt.Errorf("no OCI sources here")
}

type object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	SyncWave   string `json:"syncWave,omitempty"`
}

type syncResult struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Order     int    `json:"order"`
	Message   string `json:"message,omitempty"`
}

type application struct {
	Name        string                               `json:"name"`
	Source      *v1alpha1.ApplicationSource          `json:"source"`
	Destination v1alpha1.ApplicationDestination      `json:"destination"`
	SyncPolicy  *v1alpha1.SyncPolicy                 `json:"syncPolicy,omitempty"`
	Ignore      []v1alpha1.ResourceIgnoreDifferences `json:"ignoreDifferences,omitempty"`
	SourceType  string                               `json:"sourceType"`
	Objects     []object                             `json:"objects"`
	Sync        []syncResult                         `json:"sync,omitempty"`
}

func main() {
	file := flag.String("gitops-file", "", "the argocd/applicationset.yaml that synth wrote")
	workDir := flag.String("work-dir", "", "where the repo-server keeps its clones")
	kubeconfig := flag.String("kubeconfig", "", "sync every Application to this cluster")
	removed := flag.String("removed", "", "comma-separated Applications no longer generated: delete their resources")
	flag.Parse()
	log.SetLevel(log.WarnLevel)
	if err := run(*file, *workDir, *kubeconfig, *removed); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(file, workDir, kubeconfig, removed string) error {
	ctx := context.Background()
	text, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	cache := reposervercache.NewCache(cacheutil.NewCache(cacheutil.NewInMemoryCache(time.Hour)), time.Hour, time.Hour, 10*time.Second)
	service := repository.NewService(metrics.NewMetricsServer(), cache, repository.RepoServerInitConstants{
		ParallelismLimit:                  1,
		MaxCombinedDirectoryManifestsSize: resource.MustParse("10M"),
		StreamedManifestMaxExtractedSize:  1 << 30,
		StreamedManifestMaxTarSize:        1 << 30,
		HelmManifestMaxExtractedSize:      1 << 30,
		OCIManifestMaxExtractedSize:       1 << 30,
	}, git.NoopCredsStore{}, workDir)
	if err := service.Init(); err != nil {
		return err
	}

	var apps []v1alpha1.Application
	documents := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(text)))
	for {
		doc, err := documents.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return err
		}
		switch meta.Kind {
		case "Application":
			var app v1alpha1.Application
			if err := yaml.UnmarshalStrict(doc, &app); err != nil {
				return fmt.Errorf("Application: %w", err)
			}
			apps = append(apps, app)
		case "ApplicationSet":
			var appSet v1alpha1.ApplicationSet
			if err := yaml.UnmarshalStrict(doc, &appSet); err != nil {
				return fmt.Errorf("ApplicationSet: %w", err)
			}
			// The generator reads the template's AppProject (for its source-integrity settings):
			// the "default" project as an Argo CD installation creates it.
			scheme := runtime.NewScheme()
			if err := v1alpha1.AddToScheme(scheme); err != nil {
				return err
			}
			project := &v1alpha1.AppProject{
				ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: appSet.Namespace},
				Spec: v1alpha1.AppProjectSpec{
					SourceRepos:              []string{"*"},
					Destinations:             []v1alpha1.ApplicationDestination{{Server: "*", Namespace: "*"}},
					ClusterResourceWhitelist: []v1alpha1.ClusterResourceRestrictionItem{{Group: "*", Kind: "*"}},
				},
			}
			client := fake.NewClientBuilder().WithScheme(scheme).WithObjects(project).Build()
			gens := map[string]generators.Generator{"Git": generators.NewGitGenerator(repoServerRepos{service}, appSet.Namespace)}
			generated, reason, err := template.GenerateApplications(log.WithField("applicationset", appSet.Name), appSet, gens, &utils.Render{}, client)
			if err != nil {
				return fmt.Errorf("ApplicationSet %s: %s: %w", appSet.Name, reason, err)
			}
			apps = append(apps, generated...)
		default:
			return fmt.Errorf("unexpected kind %q", meta.Kind)
		}
	}

	out := []application{}
	targets := map[string][]*unstructured.Unstructured{}
	revisions := map[string]string{}
	for _, app := range apps {
		source := app.Spec.GetSource()
		res, err := service.GenerateManifest(ctx, &apiclient.ManifestRequest{
			Repo:               &v1alpha1.Repository{Repo: source.RepoURL},
			Revision:           source.TargetRevision,
			AppName:            app.Name,
			Namespace:          app.Spec.Destination.Namespace,
			ApplicationSource:  &source,
			KustomizeOptions:   &v1alpha1.KustomizeOptions{},
			NoCache:            true,
			ProjectName:        app.Spec.Project,
			ProjectSourceRepos: []string{"*"},
		})
		if err != nil {
			return fmt.Errorf("Application %s: manifest generation: %w", app.Name, err)
		}
		objects := []object{}
		revisions[app.Name] = res.Revision
		for _, manifest := range res.Manifests {
			u := &unstructured.Unstructured{}
			if err := json.Unmarshal([]byte(manifest), &u.Object); err != nil {
				return err
			}
			objects = append(objects, object{u.GetAPIVersion(), u.GetKind(), u.GetNamespace(), u.GetName(), u.GetAnnotations()["argocd.argoproj.io/sync-wave"]})
			targets[app.Name] = append(targets[app.Name], u)
		}
		out = append(out, application{app.Name, &source, app.Spec.Destination, app.Spec.SyncPolicy, app.Spec.IgnoreDifferences, res.SourceType, objects, nil})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if kubeconfig != "" {
		for _, name := range strings.Split(removed, ",") {
			if name != "" {
				out = append(out, application{Name: name, Destination: v1alpha1.ApplicationDestination{}})
			}
		}
		if err := syncAll(ctx, kubeconfig, out, targets, revisions); err != nil {
			return err
		}
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	return encoder.Encode(out)
}

// The application-instance label key of Argo CD's settings; with annotation tracking (Argo CD 3's
// default, used here) resources are tracked by the argocd.argoproj.io/tracking-id annotation, and
// this key only matters to the label method.
const trackingKey = "app.kubernetes.io/instance"

// syncAll syncs each Application in turn with prune, as Argo CD's application controller does
// through gitops-engine; an Application without targets has all its resources pruned.
func syncAll(ctx context.Context, kubeconfig string, apps []application, targets map[string][]*unstructured.Unstructured, revisions map[string]string) error {
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	tracking := argo.NewResourceTracking()
	clusterCache := cache.NewClusterCache(config, cache.SetPopulateResourceInfoHandler(func(un *unstructured.Unstructured, _ bool) (any, bool) {
		// Keep the manifest of every tracked resource: the engine prunes only what it has one of.
		app := tracking.GetAppName(un, trackingKey, v1alpha1.TrackingMethodAnnotation, "")
		return app, app != ""
	}))
	gitops := engine.NewEngine(config, clusterCache)
	stop, err := gitops.Run()
	if err != nil {
		return err
	}
	defer stop()
	for i := range apps {
		app := &apps[i]
		for _, target := range targets[app.Name] {
			if err := tracking.SetAppInstance(target, trackingKey, app.Name, app.Destination.Namespace, v1alpha1.TrackingMethodAnnotation, ""); err != nil {
				return err
			}
		}
		name := app.Name
		results, err := syncResumed(ctx, gitops, targets[name], func(r *cache.Resource) bool { return r.Info == name }, revisions[name], app.Destination.Namespace)
		if err != nil {
			return fmt.Errorf("Application %s: sync: %w", name, err)
		}
		for _, r := range results {
			app.Sync = append(app.Sync, syncResult{r.ResourceKey.Kind, r.ResourceKey.Namespace, r.ResourceKey.Name, string(r.Status), r.Order, r.Message})
		}
		sort.Slice(app.Sync, func(a, b int) bool { return app.Sync[a].Order < app.Sync[b].Order })
	}
	return nil
}

// syncResumed runs one sync operation to its end. gitops-engine's Sync keeps the live state it
// started with, so a wave that waits for a resource's health (a Namespace created in wave -2)
// never sees it; Argo CD's application controller resumes the operation on each reconcile with
// fresh live state and the results so far. This does the same, every few seconds.
func syncResumed(ctx context.Context, gitops engine.GitOpsEngine, targets []*unstructured.Unstructured, isManaged func(*cache.Resource) bool, revision, namespace string) ([]common.ResourceSyncResult, error) {
	var results []common.ResourceSyncResult
	startedAt := metav1.Now()
	for attempt := 0; attempt < 60; attempt++ {
		opts := []gitopssync.SyncOpt{gitopssync.WithPrune(true), gitopssync.WithServerSideApply(true), gitopssync.WithServerSideApplyManager("argocd-controller")}
		if results != nil {
			opts = append(opts, gitopssync.WithInitialState(common.OperationRunning, "resumed", results, startedAt))
		}
		step, cancel := context.WithTimeout(ctx, 3*time.Second)
		res, err := gitops.Sync(step, targets, isManaged, revision, namespace, opts...)
		cancel()
		if err == nil {
			return res, nil
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			return res, err
		}
		results = res
	}
	return results, fmt.Errorf("sync did not complete")
}
