/** Hono environment of the server's app. @internal */
export interface AppEnv {
  Variables: Record<string, never>;
}
