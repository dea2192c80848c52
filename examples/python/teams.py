"""The four teams of the bundled example (examples/tenants.yaml),
declared with the Python API: the same teams as examples/teams.ts and
examples/tenants.yaml, and the same output, byte for byte."""
from cdk8s import Chart
from constructs import Construct

from cdk8s_kubeflow_tenancy import (
    AuditPolicy,
    AuditWebhookOptions,
    ContainerLimits,
    ContributorOptions,
    ContributorRole,
    DexStaticClient,
    IdentityKind,
    IdentityProvider,
    KubeflowAuthOptions,
    LimitRangeOptions,
    OidcConnector,
    PodSecurityLevel,
    PodSecurityOptions,
    PriorityClasses,
    QuotaAlerts,
    ReadOnlyDashboard,
    TeamRoleOptions,
    TeamRolePreset,
    TenancyGuard,
    TenantDashboard,
    TenantNetworkPolicyOptions,
    TenantPriorityClassOptions,
    TenantProfile,
    VolumeClaimLimits,
)

ALL_CLASSES = ["high-priority-ml", "normal-priority-ml", "low-priority-ml"]
STANDARD_CLASSES = ["normal-priority-ml", "low-priority-ml"]
TEAMS = ["team-data-science", "team-ml-platform", "team-research", "fraud-detection-team"]

# What every team gets unless it says otherwise (the `defaults` of examples/tenants.yaml).
DEFAULTS = dict(
    network_policy=TenantNetworkPolicyOptions(allow_same_namespace=True, kubeflow_service_ports=[8888, 8887, 8080, 9000]),
    pod_security=PodSecurityOptions(enforce=PodSecurityLevel.BASELINE),
    priority_classes=TenantPriorityClassOptions(allowed=STANDARD_CLASSES, denied=["high-priority-ml"]),
)


class ExampleTeams(Chart):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)

        PriorityClasses(self, "PriorityClasses", classes=PriorityClasses.ML_PRESET)
        QuotaAlerts(self, "QuotaAlerts", tenants=TEAMS, rule_labels={"release": "kube-prometheus-stack"})
        TenantDashboard(self, "TenantDashboard", tenants=TEAMS)
        # Members come from Git only: the Kubeflow dashboard may show them, not change them.
        ReadOnlyDashboard(self, "ReadOnlyDashboard")
        # ...and stay as Git declares them after apply: kube-apiserver refuses undeclared members,
        # changes to what was written here by anyone but Argo CD or Flux, and policies that open a team.
        TenancyGuard(self, "TenancyGuard")
        AuditPolicy(
            self,
            "AuditPolicy",
            tenants=TEAMS,
            webhook=AuditWebhookOptions(
                url="https://audit.company.com/kubernetes", certificate_authority_file="/etc/kubernetes/audit/ca.crt"
            ),
        )
        # Dex; its kubeflow_auth is the one auth setting every tenant below uses.
        dex = IdentityProvider(
            self,
            "IdentityProvider",
            issuer="https://kubeflow.company.com/dex",
            secret_name="dex-secrets",
            oidc_connectors=[
                OidcConnector(
                    id="corporate-sso",
                    name="Company SSO",
                    issuer="https://login.company.com",
                    client_id="$OIDC_CLIENT_ID",
                    client_secret="$OIDC_CLIENT_SECRET",
                    redirect_uri="https://kubeflow.company.com/dex/callback",
                )
            ],
            static_clients=[
                DexStaticClient(
                    id="kubeflow-oidc-authservice",
                    name="Kubeflow",
                    redirect_uris=["https://kubeflow.company.com/oauth2/callback"],
                    secret="$OAUTH2_PROXY_CLIENT_SECRET",
                )
            ],
            kubeflow_auth=KubeflowAuthOptions(user_id_header="kubeflow-userid", groups_header="kubeflow-groups"),
        )
        defaults = {**DEFAULTS, "auth": dex.kubeflow_auth}

        TenantProfile(
            self,
            "team-data-science",
            **defaults,
            owner="alice@company.com",
            resource_quota={
                "cpu": "20",
                "memory": "100Gi",
                "requests.nvidia.com/gpu": "4",
                "persistentvolumeclaims": "10",
                "requests.storage": "500Gi",
            },
            team_roles=[
                TeamRoleOptions(
                    name="ml-data-scientist",
                    preset=TeamRolePreset.ML_DATA_SCIENTIST,
                    users=["alice@company.com"],
                    groups=["data-scientists@company.com"],
                )
            ],
        )

        platform = TenantProfile(
            self,
            "team-ml-platform",
            **{
                **defaults,
                "priority_classes": TenantPriorityClassOptions(
                    allowed=ALL_CLASSES, denied=[], max_pods={"high-priority-ml": "4"}
                ),
            },
            owner="bob@company.com",
            resource_quota={"cpu": "50", "memory": "200Gi", "requests.nvidia.com/gpu": "8"},
            team_roles=[
                TeamRoleOptions(name="ml-engineer", preset=TeamRolePreset.ML_ENGINEER, users=["bob@company.com"])
            ],
        )
        platform.add_contributor(name="carol@company.com")
        platform.add_contributor(name="david@company.com", role=ContributorRole.EDIT)
        platform.add_contributor(name="ml-engineers@company.com", kind=IdentityKind.GROUP)

        TenantProfile(
            self,
            "team-research",
            **defaults,
            owner="researcher@company.com",
            resource_quota={
                "requests.cpu": "20",
                "limits.cpu": "40",
                "requests.memory": "80Gi",
                "limits.memory": "160Gi",
                "requests.nvidia.com/gpu": "4",
                "persistentvolumeclaims": "20",
                "requests.storage": "1Ti",
                "pods": "50",
                "services": "20",
                "secrets": "100",
                "configmaps": "100",
            },
            limit_range=LimitRangeOptions(
                name="default-resources",
                container=ContainerLimits(
                    default={"cpu": "1", "memory": "2Gi", "nvidia.com/gpu": "0"},
                    default_request={"cpu": "500m", "memory": "1Gi"},
                    max={"cpu": "8", "memory": "32Gi", "nvidia.com/gpu": "2"},
                ),
                persistent_volume_claim=VolumeClaimLimits(min_storage="1Gi", max_storage="100Gi"),
            ),
        )

        TenantProfile(
            self,
            "fraud-detection-team",
            **defaults,
            owner="lead@company.com",
            resource_quota={"cpu": "30", "memory": "120Gi", "requests.nvidia.com/gpu": "4"},
            contributors=[
                ContributorOptions(name="analyst1@company.com"),
                ContributorOptions(name="analyst2@company.com"),
            ],
        )
