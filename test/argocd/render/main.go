// Command render runs Argo CD's own code over synthesized output, as the integration test
// (test/integration/argocd.itest.ts) needs it: the ApplicationSet controller's template
// expansion with its git directory generator, and the repo-server's manifest generation for
// every resulting Application, both against a Git repository served over HTTP. The repo-server
// service runs in this process (without its gRPC transport) with an in-memory cache; it clones
// with the git CLI and builds kustomize folders with the kustomize binary on PATH, as in Argo CD.
//
// It prints JSON: each Application (name, source path, destination, sync policy) with the
// objects its manifest generation yields (apiVersion, kind, namespace, name, sync wave).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/argoproj/argo-cd/v3/applicationset/controllers/template"
	"github.com/argoproj/argo-cd/v3/applicationset/generators"
	"github.com/argoproj/argo-cd/v3/applicationset/utils"
	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	"github.com/argoproj/argo-cd/v3/reposerver/apiclient"
	reposervercache "github.com/argoproj/argo-cd/v3/reposerver/cache"
	"github.com/argoproj/argo-cd/v3/reposerver/metrics"
	"github.com/argoproj/argo-cd/v3/reposerver/repository"
	cacheutil "github.com/argoproj/argo-cd/v3/util/cache"
	"github.com/argoproj/argo-cd/v3/util/git"
	log "github.com/sirupsen/logrus"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
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

type application struct {
	Name        string                               `json:"name"`
	Source      *v1alpha1.ApplicationSource          `json:"source"`
	Destination v1alpha1.ApplicationDestination      `json:"destination"`
	SyncPolicy  *v1alpha1.SyncPolicy                 `json:"syncPolicy,omitempty"`
	Ignore      []v1alpha1.ResourceIgnoreDifferences `json:"ignoreDifferences,omitempty"`
	SourceType  string                               `json:"sourceType"`
	Objects     []object                             `json:"objects"`
}

func main() {
	file := flag.String("gitops-file", "", "the argocd/applicationset.yaml that synth wrote")
	workDir := flag.String("work-dir", "", "where the repo-server keeps its clones")
	flag.Parse()
	log.SetLevel(log.WarnLevel)
	if err := run(*file, *workDir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(file, workDir string) error {
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
	for _, doc := range strings.Split(string(text), "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var meta struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			return err
		}
		switch meta.Kind {
		case "Application":
			var app v1alpha1.Application
			if err := yaml.UnmarshalStrict([]byte(doc), &app); err != nil {
				return fmt.Errorf("Application: %w", err)
			}
			apps = append(apps, app)
		case "ApplicationSet":
			var appSet v1alpha1.ApplicationSet
			if err := yaml.UnmarshalStrict([]byte(doc), &appSet); err != nil {
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
		for _, manifest := range res.Manifests {
			var u unstructured.Unstructured
			if err := json.Unmarshal([]byte(manifest), &u.Object); err != nil {
				return err
			}
			objects = append(objects, object{u.GetAPIVersion(), u.GetKind(), u.GetNamespace(), u.GetName(), u.GetAnnotations()["argocd.argoproj.io/sync-wave"]})
		}
		out = append(out, application{app.Name, &source, app.Spec.Destination, app.Spec.SyncPolicy, app.Spec.IgnoreDifferences, res.SourceType, objects})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	return encoder.Encode(out)
}
