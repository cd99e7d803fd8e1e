// Validates Kubernetes manifests (the plain ones and the Helm chart's rendered output) against the API
// schemas of the npm package kubernetes-models (and @kubernetes-models/prometheus-operator for the
// ServiceMonitor), then checks what the schemas cannot: two or more replicas, probes on /healthz and
// /readyz of the port the ConfigMap's admin.listen names, tokens from Secrets, a PodDisruptionBudget.
// Each ConfigMap's gateway.yaml is written to OUT_DIR for `grafana-ha-gateway.jar check`.
//
//   node deploy/validate-manifests.mjs TOOLS_DIR OUT_DIR FILE...     (TOOLS_DIR holds node_modules)
// Run by deploy/validate.sh, which installs the tools.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, basename } from 'node:path';
import { pathToFileURL } from 'node:url';

const [toolsDir, outDir, ...files] = process.argv.slice(2);
const require = createRequire(join(toolsDir, 'node_modules') + '/');
const YAML = require('yaml');

const MODELS = {
  'v1': 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};

const problems = [];
const fail = (where, message) => problems.push(`${where}: ${message}`);

async function schemaCheck(where, obj) {
  const base = MODELS[obj.apiVersion];
  if (!base) {
    fail(where, `no schema known for apiVersion ${obj.apiVersion}`);
    return;
  }
  const module = await import(pathToFileURL(join(toolsDir, 'node_modules', base, `${obj.kind}.js`)).href);
  try {
    new module[obj.kind](obj).validate();
  } catch (e) {
    fail(where, `does not match the ${obj.apiVersion} ${obj.kind} schema: ${e.message}`);
  }
}

function adminPort(gatewayYaml) {
  const listen = YAML.parse(gatewayYaml)?.admin?.listen ?? '';
  return Number(listen.slice(listen.lastIndexOf(':') + 1));
}

function checkSet(file, objects) {
  const byKind = (kind) => objects.filter((o) => o.kind === kind);
  const configMaps = byKind('ConfigMap').filter((c) => c.data?.['gateway.yaml']);
  const deployments = byKind('Deployment');
  if (configMaps.length !== 1) fail(file, `expected one ConfigMap with gateway.yaml, found ${configMaps.length}`);
  if (deployments.length !== 1) fail(file, `expected one Deployment, found ${deployments.length}`);
  if (byKind('PodDisruptionBudget').length !== 1) fail(file, 'no PodDisruptionBudget');
  if (byKind('Service').length < 1) fail(file, 'no Service');
  if (byKind('NetworkPolicy').length < 1) fail(file, 'no NetworkPolicy for the Grafana pods');
  if (configMaps.length !== 1 || deployments.length !== 1) return;

  const config = configMaps[0].data['gateway.yaml'];
  const name = file.startsWith('/') ? basename(file) : file.replace(/^[./]+/, '').replace(/[/]/g, '_');
  writeFileSync(join(outDir, name.replace(/\.ya?ml$/, '') + '-gateway.yaml'), config);
  const admin = adminPort(config);
  const d = deployments[0];
  if (!(d.spec.replicas >= 2)) fail(file, `Deployment has ${d.spec.replicas} replicas; a front door needs 2 or more`);
  const container = d.spec.template.spec.containers[0];
  const ports = Object.fromEntries((container.ports ?? []).map((p) => [p.name, p.containerPort]));
  for (const [probe, path] of [['livenessProbe', '/healthz'], ['readinessProbe', '/readyz']]) {
    const get = container[probe]?.httpGet;
    if (!get) { fail(file, `${probe} missing`); continue; }
    const port = typeof get.port === 'string' ? ports[get.port] : get.port;
    if (get.path !== path) fail(file, `${probe} asks ${get.path}, not ${path}`);
    if (port !== admin) fail(file, `${probe} asks port ${port}, but admin.listen in the ConfigMap is on ${admin}`);
  }
  const secretVars = new Set((container.env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name));
  for (const m of config.matchAll(/\$\{([A-Z0-9_]+)(:-[^}]*)?}/g)) {
    if (!secretVars.has(m[1])) fail(file, `the ConfigMap uses \${${m[1]}} but the Deployment takes no such variable from a Secret`);
  }
  if (!container.resources?.requests?.memory || !container.resources?.requests?.cpu) fail(file, 'no resource requests');
}

for (const file of files) {
  const objects = [];
  for (const doc of YAML.parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (doc.errors.length) { fail(file, doc.errors.map((e) => e.message).join('; ')); continue; }
    const obj = doc.toJS();
    if (obj == null) continue;
    const where = `${file}: ${obj.kind}/${obj.metadata?.name}`;
    if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) { fail(where, 'apiVersion, kind and metadata.name are required'); continue; }
    await schemaCheck(where, obj);
    objects.push(obj);
  }
  if (objects.some((o) => o.kind === 'Deployment')) checkSet(file, objects);
  console.log(`${file}: ${objects.map((o) => o.kind).join(', ')}`);
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
