import {
  type ConfigFactory,
  type ConfigFactoryKeyHost,
  type ConfigObject,
  getConfigToken,
  registerAs,
} from '@nestjs/config';
import type { Env } from './env.validation.js';

/**
 * A typed configuration namespace, built from the environment parsed once at start-up: inject it
 * with `@Inject(x.KEY) config: ConfigType<typeof x>`. `x.bind(env)` is its registerAs factory for
 * ConfigModule.forRoot({ load }); nothing here reads process.env. Bound to no environment (the
 * preview build of `npm run openapi`), it fails if anything asks for it.
 */
export type ConfigNamespace<T extends ConfigObject> = ((env: Env) => T) & {
  KEY: string;
  bind(env: Env | undefined): ConfigFactory<T> & ConfigFactoryKeyHost<T>;
};

export function configNamespace<T extends ConfigObject>(token: string, fromEnv: (env: Env) => T): ConfigNamespace<T> {
  return Object.assign(fromEnv, {
    KEY: getConfigToken(token),
    bind: (env: Env | undefined) =>
      registerAs(token, (): T => {
        if (!env)
          throw new Error(`The "${token}" configuration was not loaded: build the app with AppModule.forRoot(env)`);
        return fromEnv(env);
      }),
  });
}
