"""The four teams of the bundled example (examples/tenants.yaml),
declared with the Python API: the same teams as examples/teams.ts and
examples/tenants.yaml, and the same output, byte for byte."""
from cdk8s import Chart
from constructs import Construct

from cdk8s_kubeflow_tenancy import (
    AuditPolicy,
    AuditWebhookOptions,
    CohortReclaimPreemption,
    ContainerLimits,
    ContributorOptions,
    ContributorRole,
    DexStaticClient,
    FlavorQuota,
    FlavorTaint,
    GpuFlavorOptions,
    GpuQueues,
    IdentityKind,
    IdentityProvider,
    KubeflowAuthOptions,
    KueueCohortOptions,
    LimitRangeOptions,
    OidcConnector,
    PodSecurityLevel,
    PodSecurityOptions,
    PriorityClasses,
    QueuePreemptionOptions,
    QuotaAlerts,
    ReadOnlyDashboard,
    TeamRoleOptions,
    TaintEffect,
    TeamRolePreset,
    TenancyGuard,
    TenantDashboard,
    TenantNetworkPolicyOptions,
    TenantPriorityClassOptions,
    TenantProfile,
    TenantQueueOptions,
    VolumeClaimLimits,
    WithinQueuePreemption,
)

ALL_CLASSES = ["high-priority-ml", "normal-priority-ml", "low-priority-ml"]
STANDARD_CLASSES = ["normal-priority-ml", "low-priority-ml"]
TEAMS = ["team-data-science", "team-ml-platform", "team-research", "fraud-detection-team"]
GPU = "nvidia.com/gpu"
GPU_NODES = [FlavorTaint(key=GPU, effect=TaintEffect.NO_SCHEDULE)]

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
        # GPUs are shared through Kueue, not capped by ResourceQuotas (declared before the guard, which then guards the queues).
        GpuQueues(
            self,
            "GpuQueues",
            flavors=[
                GpuFlavorOptions(
                    name="h100",
                    node_labels={f"{GPU}.product": "NVIDIA-H100-80GB-HBM3"},
                    tolerations=GPU_NODES,
                    capacity={GPU: "8"},
                ),
                GpuFlavorOptions(
                    name="a100",
                    node_labels={f"{GPU}.product": "NVIDIA-A100-SXM4-80GB"},
                    tolerations=GPU_NODES,
                    capacity={GPU: "16"},
                ),
            ],
            cohorts=[KueueCohortOptions(name="ml"), KueueCohortOptions(name="research", parent="ml")],
            priority_classes=PriorityClasses.ML_PRESET,
        )
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
                "persistentvolumeclaims": "10",
                "requests.storage": "500Gi",
            },
            # 4 A100s guaranteed, up to 4 more while other teams leave theirs idle.
            kueue=TenantQueueOptions(
                cohort="ml", quotas=[FlavorQuota(flavor="a100", nominal={GPU: "4"}, borrowing_limit={GPU: "4"})]
            ),
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
            resource_quota={"cpu": "50", "memory": "200Gi"},
            kueue=TenantQueueOptions(
                cohort="ml",
                preemption=QueuePreemptionOptions(
                    within_queue=WithinQueuePreemption.LOWER_PRIORITY, reclaim_within_cohort=CohortReclaimPreemption.ANY
                ),
                quotas=[FlavorQuota(flavor="h100", nominal={GPU: "6"}), FlavorQuota(flavor="a100", nominal={GPU: "2"})],
            ),
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
            kueue=TenantQueueOptions(
                cohort="research",
                quotas=[
                    FlavorQuota(flavor="a100", nominal={GPU: "4"}, lending_limit={GPU: "2"}),
                    FlavorQuota(flavor="h100", nominal={GPU: "0"}, borrowing_limit={GPU: "2"}),
                ],
            ),
        )

        TenantProfile(
            self,
            "fraud-detection-team",
            **defaults,
            owner="lead@company.com",
            resource_quota={"cpu": "30", "memory": "120Gi"},
            kueue=TenantQueueOptions(cohort="ml", quotas=[FlavorQuota(flavor="a100", nominal={GPU: "4"})]),
            contributors=[
                ContributorOptions(name="analyst1@company.com"),
                ContributorOptions(name="analyst2@company.com"),
            ],
        )
