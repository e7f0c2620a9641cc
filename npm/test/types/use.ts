// Compiled by test/types.test.mjs with `tsc --noEmit --strict`: what a TypeScript user writes against
// index.d.ts must type-check, and the misuses at the end must not.
import { transform, transformManifests, version, type Result, type TransformOutput } from "sidecar-injector";

const out: TransformOutput = transformManifests("kind: Deployment\n", "kind: SidecarInjector\n");
const paths: string[] = out.results.flatMap((r: Result) => (r.field ? [r.field.path] : []));
const severities: Array<"error" | "warning" | "info"> = transform("kind: ResourceList\n").results.map((r) => r.severity);
const code: number = out.exitCode;
const ok: boolean = out.ok;
const index: number | undefined = out.results[0]?.file?.index;
const v: string = version();
console.log(paths, severities, code, ok, index, v, out.output.length, out.stderr.length);

// @ts-expect-error: the input is YAML text, not an object
transform({ kind: "ResourceList" });
// @ts-expect-error: the manifests mode needs the config
transformManifests("kind: Deployment\n");
// @ts-expect-error: severity is one of three strings
const wrong: "fatal" = out.results[0].severity;
