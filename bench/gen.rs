//! The benchmark's inputs: realistic workloads of mixed kinds, the injector config, and what kustomize and
//! kpt need to run the same workloads. Deterministic: the same `n` gives the same bytes.
//!
//! Shared by `examples/bench.rs` (the benchmark) and `tests/bench_smoke.rs` (a cheap check that the inputs
//! parse and inject), through `#[path]`. Plain std, no dependencies.
#![allow(dead_code)]

use std::fmt::Write as _;

/// The kinds and their share of every 10 workloads: 5 Deployments, 2 StatefulSets, 1 DaemonSet, 1 Job,
/// 1 CronJob.
pub const KINDS: &[(&str, &str)] = &[
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
];

fn kind_of(i: usize) -> (&'static str, &'static str) {
    match i % 10 {
        0..=4 => KINDS[0],
        5 | 6 => KINDS[1],
        7 => KINDS[2],
        8 => KINDS[3],
        _ => KINDS[4],
    }
}

/// The injection: a fluent-bit log shipper as a native sidecar (so that Jobs complete), with resources, a
/// probe, env, two mounts, and its own config volume; every workload is selected.
pub const CONFIG_SPEC: &str = r#"spec:
  native: true
  containers:
  - name: fluent-bit
    image: fluent/fluent-bit:3.1.9
    args: ["-c", "/fluent-bit/etc/fluent-bit.conf"]
    env:
    - name: NODE_NAME
      valueFrom:
        fieldRef:
          fieldPath: spec.nodeName
    ports:
    - name: fb-metrics
      containerPort: 2020
    resources:
      requests: {cpu: 10m, memory: 32Mi}
      limits: {memory: 128Mi}
    livenessProbe:
      httpGet: {path: /, port: 2020}
      periodSeconds: 30
    volumeMounts:
    - name: logs
      mountPath: /var/log/app
      readOnly: true
    - name: fluent-bit-config
      mountPath: /fluent-bit/etc
  volumes:
  - name: fluent-bit-config
    configMap:
      name: fluent-bit-config
      defaultMode: 0644
"#;

/// The SidecarInjector resource (kpt's `--fn-config`, kustomize's legacy plugin config).
pub fn config() -> String {
    format!("apiVersion: sidecar-injector.dev/v1alpha1\nkind: SidecarInjector\nmetadata:\n  name: log-shipper\n{CONFIG_SPEC}")
}

/// One workload manifest (block YAML, column 0), about 100 lines: labels, annotations, a security context,
/// an init container in half of them, an app container with ports, env (values, fieldRef, secretKeyRef),
/// resources, probes and mounts, a proxy container in half of them, and config/secret/emptyDir volumes
/// (hostPath for DaemonSets, a claim template for StatefulSets).
pub fn workload(i: usize) -> String {
    let (api_version, kind) = kind_of(i);
    let name = format!("svc-{i:05}");
    let ns = format!("team-{:02}", i % 20);
    let tier = ["frontend", "backend", "worker", "cache"][i % 4];
    let mut s = String::with_capacity(4096);
    let w = &mut s;
    let _ = write!(
        w,
        "apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/name: {name}\n    app.kubernetes.io/part-of: shop\n    app.kubernetes.io/version: \"1.{}.{}\"\n    tier: {tier}\n  annotations:\n    owner: {ns}@example.com\n    description: \"{kind} {name}: serves the shop's {tier} traffic\"\n",
        i % 7,
        i % 13
    );
    // Where the pod template goes, and the kind's own spec fields.
    let indent = match kind {
        "Deployment" => {
            let _ = write!(w, "spec:\n  replicas: {}\n  revisionHistoryLimit: 5\n  strategy:\n    type: RollingUpdate\n    rollingUpdate: {{maxSurge: 25%, maxUnavailable: 0}}\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n  template:\n", 2 + i % 3);
            4
        }
        "StatefulSet" => {
            let _ = write!(w, "spec:\n  serviceName: {name}\n  replicas: 3\n  podManagementPolicy: Parallel\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n  volumeClaimTemplates:\n  - metadata:\n      name: data\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources:\n        requests:\n          storage: 10Gi\n  template:\n");
            4
        }
        "DaemonSet" => {
            let _ = write!(w, "spec:\n  updateStrategy:\n    type: RollingUpdate\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n  template:\n");
            4
        }
        "Job" => {
            let _ = write!(w, "spec:\n  backoffLimit: 4\n  ttlSecondsAfterFinished: 3600\n  template:\n");
            4
        }
        _ => {
            let _ = write!(w, "spec:\n  schedule: \"{} */6 * * *\"\n  concurrencyPolicy: Forbid\n  successfulJobsHistoryLimit: 3\n  jobTemplate:\n    spec:\n      backoffLimit: 2\n      template:\n", i % 60);
            8
        }
    };
    let batch = matches!(kind, "Job" | "CronJob");
    let mut t = String::with_capacity(3072);
    let t_ = &mut t;
    let _ = write!(
        t_,
        "metadata:\n  labels:\n    app.kubernetes.io/name: {name}\n    tier: {tier}\n  annotations:\n    prometheus.io/scrape: \"true\"\n    prometheus.io/port: \"9090\"\nspec:\n  serviceAccountName: {name}\n"
    );
    if batch {
        t_.push_str("  restartPolicy: OnFailure\n");
    } else {
        t_.push_str("  terminationGracePeriodSeconds: 45\n");
    }
    let _ = write!(t_, "  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001\n    fsGroup: 2000\n    seccompProfile: {{type: RuntimeDefault}}\n");
    if i.is_multiple_of(2) {
        let _ = write!(t_, "  initContainers:\n  - name: migrate\n    image: registry.example.com/shop/{name}-migrate:1.{}.{}\n    command: [/bin/migrate, --wait-for-db, \"--timeout=120s\"]\n    envFrom:\n    - secretRef:\n        name: {name}-db\n", i % 7, i % 13);
    }
    let _ = write!(
        t_,
        "  containers:\n  - name: app\n    image: registry.example.com/shop/{name}:1.{}.{}\n    imagePullPolicy: IfNotPresent\n    args:\n    - --port=8080\n    - --log-dir=/var/log/app\n    - --config=/etc/app/config.yaml\n    ports:\n    - name: http\n      containerPort: 8080\n      protocol: TCP\n    - name: metrics\n      containerPort: 9090\n    env:\n    - name: LOG_LEVEL\n      value: info\n    - name: GOMAXPROCS\n      value: \"2\"\n    - name: FEATURE_FLAGS\n      value: \"on\"\n    - name: POD_NAME\n      valueFrom:\n        fieldRef:\n          fieldPath: metadata.name\n    - name: DB_PASSWORD\n      valueFrom:\n        secretKeyRef:\n          name: {name}-db\n          key: password\n    resources:\n      requests: {{cpu: 100m, memory: 128Mi}}\n      limits: {{memory: 512Mi}}\n",
        i % 7,
        i % 13
    );
    if !batch {
        t_.push_str("    readinessProbe:\n      httpGet:\n        path: /healthz\n        port: http\n      periodSeconds: 10\n      failureThreshold: 3\n    livenessProbe:\n      httpGet: {path: /livez, port: http}\n      initialDelaySeconds: 15\n      timeoutSeconds: 2\n");
    }
    t_.push_str("    securityContext:\n      allowPrivilegeEscalation: false\n      readOnlyRootFilesystem: true\n      capabilities:\n        drop: [ALL]\n    volumeMounts:\n    - name: config\n      mountPath: /etc/app\n      readOnly: true\n    - name: logs\n      mountPath: /var/log/app\n    - name: tmp\n      mountPath: /tmp\n");
    if kind == "StatefulSet" {
        t_.push_str("    - name: data\n      mountPath: /var/lib/app\n");
    }
    if kind == "DaemonSet" {
        t_.push_str("    - name: host-logs\n      mountPath: /host/var/log\n      readOnly: true\n");
    }
    if i % 2 == 1 && !batch {
        t_.push_str("  - name: proxy\n    image: envoyproxy/envoy:v1.31.2\n    args: [-c, /etc/envoy/envoy.yaml, --log-level, warn]\n    ports:\n    - containerPort: 15001\n    resources:\n      requests: {cpu: 50m, memory: 64Mi}\n    readinessProbe:\n      tcpSocket: {port: 15001}\n    volumeMounts:\n    - name: envoy-config\n      mountPath: /etc/envoy\n");
    }
    let _ = write!(t_, "  volumes:\n  - name: config\n    configMap:\n      name: {name}-config\n      defaultMode: 0644\n  - name: logs\n    emptyDir: {{}}\n  - name: tmp\n    emptyDir:\n      medium: Memory\n      sizeLimit: 64Mi\n");
    if kind == "DaemonSet" {
        t_.push_str("  - name: host-logs\n    hostPath:\n      path: /var/log\n      type: Directory\n");
    }
    if i % 2 == 1 && !batch {
        let _ = write!(t_, "  - name: envoy-config\n    secret:\n      secretName: {name}-envoy\n");
    }
    let pad = " ".repeat(indent);
    for line in t.lines() {
        s.push_str(&pad);
        s.push_str(line);
        s.push('\n');
    }
    s
}

/// `n` workloads as one multi-document stream (kustomize's resources, the legacy plugin's stdin).
pub fn stream(n: usize) -> String {
    let mut out = String::with_capacity(n * 3200);
    for i in 0..n {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&workload(i));
    }
    out
}

/// `n` workloads in a ResourceList with the functionConfig, each item annotated as `kpt fn eval` annotates
/// it (file path and index, ids), which is what the function sees under kpt.
pub fn resource_list(n: usize) -> String {
    let mut out = String::with_capacity(n * 3600 + 2048);
    out.push_str("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    for i in 0..n {
        let doc = workload(i);
        let file = format!("workloads-{:03}.yaml", i / 100);
        let index = i % 100;
        let id = i + 1;
        let annotations = format!(
            "    config.kubernetes.io/index: '{index}'\n    config.kubernetes.io/path: '{file}'\n    internal.config.kubernetes.io/index: '{index}'\n    internal.config.kubernetes.io/path: '{file}'\n    internal.config.kubernetes.io/seqindent: 'compact'\n    internal.config.kubernetes.io/id: '{id}'\n    config.k8s.io/id: '{id}'\n"
        );
        let mut first = true;
        let mut in_metadata_annotations = false;
        for line in doc.lines() {
            out.push_str(if first { "- " } else { "  " });
            first = false;
            out.push_str(line);
            out.push('\n');
            if line == "  annotations:" && !in_metadata_annotations {
                // The object's own annotations (the first `annotations:` at metadata level).
                in_metadata_annotations = true;
                for a in annotations.lines() {
                    out.push_str("  ");
                    out.push_str(a);
                    out.push('\n');
                }
            }
        }
    }
    out.push_str("functionConfig:\n");
    for line in config().lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The package files kpt reads: 100 workloads a file, as `resource_list` names them.
pub fn package_files(n: usize) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut i = 0;
    while i < n {
        let end = (i + 100).min(n);
        let mut text = String::new();
        for j in i..end {
            if j > i {
                text.push_str("---\n");
            }
            text.push_str(&workload(j));
        }
        files.push((format!("workloads-{:03}.yaml", i / 100), text));
        i = end;
    }
    files
}

/// The plugin config kustomize's legacy exec plugin reads: the SidecarInjector without the
/// `config.kubernetes.io/function` annotation.
pub fn plugin_config() -> String {
    config()
}

/// What a user would write instead of the function: one strategic-merge patch per workload kind, adding the
/// same container (as a native sidecar) and the same volume.
pub fn patches() -> Vec<(String, String)> {
    // The sidecar and volume of CONFIG_SPEC, as patch bodies.
    let mut sidecar = String::new();
    let mut volumes = String::new();
    let mut section = "";
    for line in CONFIG_SPEC.lines() {
        match line {
            "spec:" | "  native: true" => continue,
            "  containers:" => section = "c",
            "  volumes:" => section = "v",
            l if section == "c" => {
                sidecar.push_str(&l[2..]);
                sidecar.push('\n');
            }
            l if section == "v" => {
                volumes.push_str(&l[2..]);
                volumes.push('\n');
            }
            _ => {}
        }
    }
    // A native sidecar: an init container with restartPolicy Always.
    let sidecar = sidecar.replacen("- name: fluent-bit\n", "- name: fluent-bit\n  restartPolicy: Always\n", 1);
    let mut out = Vec::new();
    for (api_version, kind) in KINDS {
        let (head, depth) = match *kind {
            "CronJob" => ("spec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n", 8),
            _ => ("spec:\n  template:\n    spec:\n", 4),
        };
        let pad = " ".repeat(depth + 2);
        let mut body = format!("apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: any\n{head}");
        let _ = writeln!(body, "{}initContainers:", " ".repeat(depth + 2));
        for l in sidecar.lines() {
            let _ = writeln!(body, "{pad}{l}");
        }
        let _ = writeln!(body, "{}volumes:", " ".repeat(depth + 2));
        for l in volumes.lines() {
            let _ = writeln!(body, "{pad}{l}");
        }
        out.push((kind.to_string(), body));
    }
    out
}

/// kustomization.yaml for each host variant. `resources` is the workloads file in the same directory.
pub fn kustomization_plain(resources: &str) -> String {
    format!("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- {resources}\n")
}

pub fn kustomization_plugin(resources: &str, config_file: &str) -> String {
    format!("{}transformers:\n- {config_file}\n", kustomization_plain(resources))
}

pub fn kustomization_patches(resources: &str, patch_files: &[(String, String)]) -> String {
    let mut out = kustomization_plain(resources);
    out.push_str("patches:\n");
    for (kind, file) in patch_files {
        let _ = write!(out, "- path: {file}\n  target:\n    kind: {kind}\n");
    }
    out
}
