"""Synthesizes the example teams into the folder given as the first argument (default: dist)."""
import sys

from cdk8s_kubeflow_tenancy import TenancyApp

from teams import ExampleTeams

app = TenancyApp(outdir=sys.argv[1] if len(sys.argv) > 1 else "dist")
ExampleTeams(app, "example-teams")
app.synth()
