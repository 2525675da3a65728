// The server side of `aloft`: start, admin, engine, scheduler, operator, clusterresource, migrate, secret, webhook,
// copilot. Heavy modules load only when one of these runs, so the client
// commands (get, run, watch, register, …) start fast.
import { Command, InvalidArgumentError } from "commander";
import type { AloftConfig } from "@aloft/core";
import { configFrom, serverOptions, type ServerOptions } from "./server-options.ts";

async function withDatabase<T>(
  config: AloftConfig,
  fn: (db: import("@aloft/admin").Database) => Promise<T>,
): Promise<T> {
  const { openConfiguredDatabase } = await import("./database.ts");
  const database = await openConfiguredDatabase(config);
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

function metricsPortOf(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError(`${raw} is not a port (0-65535)`);
  return port;
}

function positiveIntOf(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${raw} is not a positive integer`);
  return n;
}

function ingressOf(raw: string): "nginx" | "traefik" {
  if (raw !== "nginx" && raw !== "traefik") throw new InvalidArgumentError(`${raw} is not nginx or traefik`);
  return raw;
}

export function serverCommands(): Command[] {
  const start = serverOptions(
    new Command("start").description("run the whole platform in one process (SQLite + local files by default)"),
  ).action(async (opts: ServerOptions) => {
    const config = configFrom(opts);
    await (await import("./serve.ts")).serve("start", config);
  });
  const admin = serverOptions(
    new Command("admin").description("run the control plane alone (typically against PostgreSQL and S3)"),
  ).action(async (opts: ServerOptions) => {
    const config = configFrom(opts);
    await (await import("./serve.ts")).serve("admin", config);
  });

  const engine = serverOptions(
    new Command("engine").description("run the engine alone, reporting to a remote admin over gRPC"),
  )
    .option("--admin-endpoint <host:port>", "admin gRPC endpoint", "localhost:8089")
    .option("--admin-http-url <url>", "admin HTTP base URL (task log links)", "http://localhost:8088")
    .option("--resync-ms <ms>", "how often to look for newly launched executions", "1000")
    .option(
      "--kubernetes",
      "run FlyteWorkflow resources from Kubernetes (admin with executor: kubernetes), with leader election",
    )
    .option(
      "--metrics-port <port>",
      "serve Prometheus metrics at /metrics on this port, 0 = off (default engine.metricsPort, 10254)",
      metricsPortOf,
    )
    .action(
      async (
        opts: ServerOptions & {
          adminEndpoint: string;
          adminHttpUrl: string;
          resyncMs: string;
          metricsPort?: number;
          kubernetes?: boolean;
        },
      ) => {
        const config = configFrom(opts);
        const { runEngineProcess } = await import("./engine-process.ts");
        await runEngineProcess(config, {
          adminEndpoint: opts.adminEndpoint,
          adminHttpUrl: opts.adminHttpUrl,
          resyncIntervalMs: Number(opts.resyncMs),
          ...(opts.kubernetes ? { kubernetes: true } : {}),
          ...(opts.metricsPort !== undefined ? { metricsPort: opts.metricsPort } : {}),
        });
      },
    );

  const scheduler = serverOptions(
    new Command("scheduler").description(
      "run the scheduler alone: fires active launch plan schedules through admin (several replicas may share the database)",
    ),
  )
    .option("--admin-endpoint <host:port>", "admin gRPC endpoint", "localhost:8089")
    .option("--metrics-port <port>", "serve Prometheus metrics at /metrics on this port, 0 = off", metricsPortOf, 0)
    .action(async (opts: ServerOptions & { adminEndpoint: string; metricsPort: number }) => {
      const config = configFrom(opts);
      const { runSchedulerProcess } = await import("./scheduler-process.ts");
      await runSchedulerProcess(config, { adminEndpoint: opts.adminEndpoint, metricsPort: opts.metricsPort });
    });

  const clusterresource = new Command("clusterresource").description(
    "create every project-domain's namespace and the objects of clusterResources.templatePath in it (flyteadmin's clusterresource)",
  );
  for (const [verb, once, what] of [
    ["sync", true, "once, then exit (1 when anything failed)"],
    ["run", false, "every clusterResources.refreshIntervalSeconds until stopped"],
  ] as const) {
    serverOptions(clusterresource.command(verb).description(`sync the cluster resources ${what}`))
      .option("--admin-endpoint <host:port>", "admin gRPC endpoint", "localhost:8089")
      .option("--template-path <dir>", "directory of *.yaml templates (clusterResources.templatePath)")
      .action(async (opts: ServerOptions & { adminEndpoint: string; templatePath?: string }) => {
        const config = configFrom(opts);
        if (opts.templatePath !== undefined) config.clusterResources.templatePath = opts.templatePath;
        const { runClusterResource } = await import("./clusterresource/process.ts");
        process.exitCode = await runClusterResource(config, { adminEndpoint: opts.adminEndpoint, once });
      });
  }

  const operator = serverOptions(
    new Command("operator").description(
      "run the TrackingServer operator (MLflow tracking servers on Kubernetes) against the current kubeconfig or in-cluster account, with leader election",
    ),
  )
    .option(
      "--ingress <controller>",
      "nginx (an Ingress) or traefik (an IngressRoute + Middleware)",
      ingressOf,
      "nginx",
    )
    .option(
      "--ingress-class <name>",
      "spec.ingressClassName of the nginx Ingress (default: the cluster's default class)",
    )
    .option(
      "--traefik-group <group>",
      "API group of Traefik's CRDs (traefik.containo.us before Traefik 2.10)",
      "traefik.io",
    )
    .option("--watch-namespace <ns>", "watch only this namespace (default: every namespace)")
    .option(
      "--lease-namespace <ns>",
      "namespace of the leader election Lease (default: $POD_NAMESPACE, else the context's)",
    )
    .option("--lease-name <name>", "the leader election Lease", "aloft-trackingserver-operator")
    .option("--workers <n>", "concurrent reconciles", positiveIntOf, 4)
    .option("--metrics-port <port>", "serve /healthz, /readyz and /metrics on this port, 0 = off", metricsPortOf, 8081)
    .option(
      "--metrics-host <address>",
      "address of the health and metrics listener (0.0.0.0 in a pod, for the kubelet's probes; default --host)",
    )
    .option("--print-crd", "print the TrackingServer CustomResourceDefinition as YAML and exit (kubectl apply -f -)")
    .action(
      async (
        opts: ServerOptions & {
          ingress: "nginx" | "traefik";
          ingressClass?: string;
          traefikGroup: string;
          watchNamespace?: string;
          leaseNamespace?: string;
          leaseName: string;
          workers: number;
          metricsPort: number;
          metricsHost?: string;
          printCrd?: boolean;
        },
      ) => {
        if (opts.printCrd) {
          const { toYaml, trackingServerCrd } = await import("@aloft/operator");
          process.stdout.write(toYaml(trackingServerCrd));
          return;
        }
        const config = configFrom(opts);
        const { runOperatorProcess } = await import("./operator-process.ts");
        await runOperatorProcess(config, {
          ingressController: opts.ingress,
          ingressClassName: opts.ingressClass,
          traefikGroup: opts.traefikGroup,
          namespace: opts.watchNamespace,
          leaseNamespace: opts.leaseNamespace,
          leaseName: opts.leaseName,
          workers: opts.workers,
          metricsPort: opts.metricsPort,
          metricsHost: opts.metricsHost ?? config.server.host,
        });
      },
    );

  const migrate = new Command("migrate").description("database migrations");
  serverOptions(migrate.command("run").description("apply all pending migrations")).action(
    async (opts: ServerOptions) => {
      const { migrateToLatest } = await import("@aloft/admin");
      const applied = await withDatabase(configFrom(opts), (d) => migrateToLatest(d.db));
      process.stdout.write(applied.length ? `applied: ${applied.join(", ")}\n` : "database is up to date\n");
    },
  );
  serverOptions(migrate.command("rollback").description("roll back the last applied migration")).action(
    async (opts: ServerOptions) => {
      const { rollbackLast } = await import("@aloft/admin");
      const undone = await withDatabase(configFrom(opts), (d) => rollbackLast(d.db));
      process.stdout.write(undone ? `rolled back: ${undone}\n` : "nothing to roll back\n");
    },
  );
  serverOptions(
    migrate.command("seed-projects").description("create projects that do not exist yet").argument("<projects...>"),
  ).action(async (projects: string[], opts: ServerOptions) => {
    const config = configFrom(opts);
    const { seedProjects } = await import("@aloft/admin");
    const { systemClock } = await import("@aloft/core");
    const { createLogger } = await import("@aloft/core");
    const logger = createLogger({ level: config.logging.level });
    const created = await withDatabase(config, (d) =>
      seedProjects({ db: d.db, clock: systemClock, logger, domains: config.domains }, projects),
    );
    process.stdout.write(created.length ? `created: ${created.join(", ")}\n` : "all projects already exist\n");
  });
  const secret = new Command("secret").description("secrets for authentication (auth.enabled)");
  serverOptions(
    secret
      .command("init")
      .description("generate cookie keys, the token signing key and client secrets into a directory (files 0600)"),
  )
    .option("-p, --local-path <dir>", "where to write them (default: auth.secretsDir, under the data directory)")
    .option(
      "--client <id...>",
      "more confidential clients to create secrets for (flytepropeller, the engine's, always is)",
    )
    .option(
      "--user <name...>",
      "people who sign in at the self-hosted authorization server (aloft login, the console): a generated password each",
    )
    .option(
      "--force",
      "replace files that exist (rotates everything: restart admin and give clients their new secrets)",
    )
    .action(
      async (opts: ServerOptions & { localPath?: string; client?: string[]; user?: string[]; force?: boolean }) => {
        const config = configFrom(opts);
        const { underDataDir } = await import("@aloft/core");
        const { initSecrets, SECRET_FILES } = await import("@aloft/admin");
        const dir = opts.localPath ?? underDataDir(config, config.auth.secretsDir);
        const written = await initSecrets({ dir, clients: opts.client, users: opts.user, force: opts.force });
        const clients = [...new Set(["flytepropeller", ...(opts.client ?? [])])];
        process.stdout.write(
          (written.length
            ? `wrote ${written.join(", ")} in ${dir}\n`
            : `nothing to do: ${dir} already has every file (--force replaces them)\n`) +
            clients
              .map(
                (c) =>
                  `  client ${c}: secret in ${dir}/${SECRET_FILES.clientSecret(c)} (give it to the client), hash in ${SECRET_FILES.clientSecretHash(c)}\n`,
              )
              .join("") +
            (opts.user ?? [])
              .map(
                (u) =>
                  `  user ${u}: password in ${dir}/${SECRET_FILES.userPassword(u)} (hand it over, then delete the file)\n`,
              )
              .join(""),
        );
      },
    );
  serverOptions(
    secret
      .command("create")
      .description(
        "create (or update) the secrets of `secret init` as a Kubernetes Secret in the cluster of KUBECONFIG (or in-cluster); -o yaml prints it instead",
      ),
  )
    .option(
      "-p, --local-path <dir>",
      "the directory secret init wrote (default: auth.secretsDir, under the data directory)",
    )
    .option("--name <name>", "the Secret's name", "flyte-admin-secrets")
    .option("--namespace <ns>", "the Secret's namespace", "flyte")
    .option("-o, --output <format>", "yaml: print the manifest (for kubectl apply -f -) instead of creating it")
    .action(async (opts: ServerOptions & { localPath?: string; name: string; namespace: string; output?: string }) => {
      const config = configFrom(opts);
      const { underDataDir } = await import("@aloft/core");
      const { secretManifest, secretObject } = await import("@aloft/admin");
      const dir = opts.localPath ?? underDataDir(config, config.auth.secretsDir);
      const target = { name: opts.name, namespace: opts.namespace };
      if (opts.output === "yaml") {
        process.stdout.write(secretManifest(dir, target));
        return;
      }
      if (opts.output !== undefined) throw new Error(`unknown output format ${opts.output} (yaml, or none to create)`);
      const object = secretObject(dir, target);
      // The Kubernetes client is loaded only here: no other verb pays for it.
      const kube = await import("@aloft/kube");
      const { applySecret } = await import("./secret-create.ts");
      const api = kube.createKubeApi(kube.loadKubeConfig(), { fieldManager: "aloft-secret-create" });
      const result = await applySecret(api, object, kube);
      process.stdout.write(
        `${result} Secret ${opts.namespace}/${opts.name} (${Object.keys(object.data).length} keys from ${dir})\n`,
      );
    });
  const webhook = serverOptions(
    new Command("webhook").description(
      "serve the secret-injection admission webhook over TLS and register its MutatingWebhookConfiguration",
    ),
  )
    .option("--port <port>", "HTTPS port", metricsPortOf, 9443)
    .option(
      "--namespace <ns>",
      "namespace of the webhook's Service and certificate Secret (default $POD_NAMESPACE or flyte)",
    )
    .option("--service-name <name>", "the webhook's Service", "flyte-pod-webhook")
    .option("--secret-name <name>", "the Secret init-certs wrote", "flyte-pod-webhook")
    .option("--config-name <name>", "the MutatingWebhookConfiguration", "flyte-pod-webhook")
    .option("--cert-dir <dir>", "read ca.crt, tls.crt and tls.key from here instead of the Secret")
    .option("--url <url>", "register this base URL instead of the Service (a webhook outside the cluster)")
    .action(
      async (
        opts: ServerOptions & {
          port: number;
          namespace?: string;
          serviceName: string;
          secretName: string;
          configName: string;
          certDir?: string;
          url?: string;
        },
      ) => {
        const config = configFrom(opts);
        const { runWebhook, defaultNamespace } = await import("./webhook-process.ts");
        await runWebhook(config, { ...opts, namespace: opts.namespace ?? defaultNamespace() });
      },
    );
  serverOptions(
    webhook
      .command("init-certs")
      .description(
        "create the webhook's CA and serving certificate into a Secret (idempotent: a complete one is kept)",
      ),
  )
    .option("--namespace <ns>", "namespace of the Secret and Service (default $POD_NAMESPACE or flyte)")
    .option("--service-name <name>", "the webhook's Service (the certificate's DNS names)", "flyte-pod-webhook")
    .option("--secret-name <name>", "the Secret to write", "flyte-pod-webhook")
    .option("--dns-name <name...>", "more DNS names for the serving certificate")
    .action(
      async (
        opts: ServerOptions & { namespace?: string; serviceName: string; secretName: string; dnsName?: string[] },
      ) => {
        const config = configFrom(opts);
        const { runInitCerts, defaultNamespace } = await import("./webhook-process.ts");
        process.stdout.write(
          await runInitCerts(config, {
            namespace: opts.namespace ?? defaultNamespace(),
            serviceName: opts.serviceName,
            secretName: opts.secretName,
            ...(opts.dnsName ? { dnsNames: opts.dnsName } : {}),
          }),
        );
      },
    );
  const copilot = new Command("copilot").description(
    "copilot's containers in the pod of a raw container task with a data config (the pod plugin adds them)",
  );
  serverOptions(copilot.command("download").description("write the task's inputs into a directory (init container)"))
    .requiredOption("--from-remote <uri>", "the inputs (inputs.pb) in the blob store")
    .requiredOption("--to-local-dir <dir>", "the inputs volume")
    .option("--format <format>", "JSON, YAML or PROTO: the inputs document besides inputs.pb and the files", "JSON")
    .action(async (opts: ServerOptions & { fromRemote: string; toLocalDir: string; format: string }) => {
      const config = configFrom(opts);
      const { copilotDownload, formatOf } = await import("./copilot-process.ts");
      const { createBlobStore } = await import("@aloft/platform");
      const format = formatOf(opts.format);
      await copilotDownload(await createBlobStore(config), { ...opts, format });
    });
  serverOptions(
    copilot
      .command("upload")
      .description("wait for the primary container to end, then upload its outputs (sidecar container)"),
  )
    .requiredOption("--primary <name>", "the primary container, which is waited for")
    .requiredOption("--from-local-dir <dir>", "the outputs volume")
    .requiredOption("--to-output-prefix <uri>", "where outputs.pb (or error.pb) goes")
    .requiredOption("--to-raw-output <uri>", "where blob outputs go")
    .requiredOption("--outputs-interface <base64>", "the task's output variables (a serialized VariableMap)")
    .option("--pod <name>", "this pod (default $POD_NAME)")
    .option("--namespace <ns>", "its namespace (default $POD_NAMESPACE)")
    .option("--timeout-ms <ms>", "give up when the primary has not ended after this long, 0 = never", "0")
    .action(
      async (
        opts: ServerOptions & {
          primary: string;
          fromLocalDir: string;
          toOutputPrefix: string;
          toRawOutput: string;
          outputsInterface: string;
          pod?: string;
          namespace?: string;
          timeoutMs: string;
        },
      ) => {
        const config = configFrom(opts);
        const { copilotUpload, waitForPrimary } = await import("./copilot-process.ts");
        const { createBlobStore } = await import("@aloft/platform");
        const { createKubeApi, loadKubeConfig } = await import("@aloft/kube");
        const pod = opts.pod ?? process.env["POD_NAME"];
        const namespace = opts.namespace ?? process.env["POD_NAMESPACE"];
        if (!pod || !namespace) throw new InvalidArgumentError("--pod and --namespace (or POD_NAME, POD_NAMESPACE)");
        const api = createKubeApi(loadKubeConfig(), { fieldManager: "aloft-copilot" });
        const ended = await waitForPrimary(api, {
          namespace,
          pod,
          primary: opts.primary,
          timeoutMs: Number(opts.timeoutMs),
        });
        const store = await createBlobStore(config);
        process.stdout.write(`${await copilotUpload(store, ended.exitCode, opts)}\n`);
      },
    );
  return [start, admin, engine, scheduler, operator, clusterresource, migrate, secret, webhook, copilot];
}
