import { RerankKitError } from "./rerank-kit-error.js";

/** A model could not be loaded: a missing folder or file, an unreadable config, an unknown family. */
export class ModelLoadError extends RerankKitError {
  override name = "ModelLoadError";
  /** The folder, file or model id that failed. */
  readonly path: string;

  constructor(message: string, options: ErrorOptions & { path: string }) {
    super(message, options);
    this.path = options.path;
  }
}
