"""The Python package end to end: build the wheel with jsii-pacmak, install it with
cdk8s and constructs from PyPI into a fresh virtual environment, run the Python
example, and compare its output with the TypeScript example's, byte for byte."""
import os
import pathlib
import subprocess
import sys
import venv

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "python"


def run(args, **kwargs):
    return subprocess.run(args, check=True, text=True, capture_output=True, **kwargs)


@pytest.fixture(scope="module")
def wheel():
    out = ROOT / "dist-pkg" / "python"
    for old in out.glob("*"):
        old.unlink()
    run(["npx", "projen", "compile"], cwd=ROOT)
    run(["npx", "projen", "package:python"], cwd=ROOT)
    wheels = sorted(out.glob("cdk8s_kubeflow_tenancy-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def python(wheel, tmp_path_factory):
    """The interpreter of a fresh virtual environment with the wheel, cdk8s and constructs."""
    env = tmp_path_factory.mktemp("venv")
    venv.create(env, with_pip=True)
    interpreter = env / "bin" / "python"
    run([str(interpreter), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel), "cdk8s", "constructs"])
    return interpreter


def files(folder: pathlib.Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_python_example_writes_the_same_bytes_as_the_typescript_example(python, tmp_path):
    run([str(python), "main.py", str(tmp_path / "python")], cwd=EXAMPLE)
    run(["npx", "ts-node", "--project", "examples/tsconfig.json", "examples/teams-main.ts", str(tmp_path / "typescript")], cwd=ROOT)
    python_files = files(tmp_path / "python")
    typescript_files = files(tmp_path / "typescript")
    assert sorted(python_files) == sorted(typescript_files)
    assert "tenants/team-ml-platform/manifests.yaml" in python_files
    for name, content in typescript_files.items():
        assert python_files[name] == content, name


def test_validation_errors_reach_python_with_tenant_and_field(python, tmp_path):
    script = (
        "from cdk8s import Chart\n"
        "from cdk8s_kubeflow_tenancy import TenancyApp, TenantProfile\n"
        "app = TenancyApp(outdir=%r)\n"
        "TenantProfile(Chart(app, 'c'), 'team-a', owner='not an email', resource_quota={'cpu': 'lots'})\n" % str(tmp_path)
    )
    result = subprocess.run([str(python), "-c", script], text=True, capture_output=True)
    assert result.returncode != 0
    assert 'tenant "team-a": owner' in result.stderr
    assert 'resourceQuota' in result.stderr
