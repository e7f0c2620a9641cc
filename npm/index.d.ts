/** One entry of the ResourceList's `results` (the KRM Functions Specification's result). */
export interface Result {
  message: string;
  severity: "error" | "warning" | "info";
  /** The object the result is about: a workload, or the config. */
  resourceRef?: {
    apiVersion: string;
    kind: string;
    name: string;
    namespace?: string;
  };
  /** The field inside that object, such as `spec.containers[0].image`. */
  field?: { path: string };
  /** The file the object came from, when the host annotated it (kpt, kustomize). */
  file?: { path: string; index?: number };
}

export interface TransformOutput {
  /**
   * What the function wrote: the ResourceList with the injection and `results` (`transform`), or the
   * transformed manifests (`transformManifests`). Empty when the input could not be read, and in the manifests
   * mode on any error (as kustomize's plugin mode writes nothing then).
   */
  output: string;
  /** Exactly what the command writes to stderr: the first error's line, then the warnings. */
  stderr: string;
  /** The command's exit code: 0, or 1 on any error. */
  exitCode: number;
  /** `exitCode === 0`. */
  ok: boolean;
  /**
   * Every result: the changes made (info), warnings and errors. An error that stopped the function before
   * it could write a ResourceList (input that is not YAML) is the one result.
   */
  results: Result[];
}

/** A ResourceList (YAML, with the config as `functionConfig`), as kpt and kustomize pass it to a KRM function. */
export function transform(resourceList: string): TransformOutput;

/**
 * Manifests (a multi-document YAML stream) and the config (a SidecarInjector or ConfigMap, one YAML document),
 * as kustomize's legacy exec plugin gets them. The results come from running the same items as a ResourceList,
 * so this costs about twice `transform`.
 */
export function transformManifests(manifests: string, config: string): TransformOutput;

/** The function's version, such as `0.1.0`. */
export function version(): string;
