/**
 * Our values for the Zero to JupyterHub chart (version in chart.ts): LDAP login, pods as the user's
 * LDAP identity, Lustre homes and archive, sizes, culling, network policies, PostgreSQL. Only what
 * differs from the chart's defaults, each with the reason it differs.
 */
import type { DeployConfig } from "./config.js";
import { ETC_VOLUME, STORAGE_NAMES } from "./manifests/storage.js";
import type { Values } from "./merge.js";
import { hubExtraConfig } from "./python-snippets.js";

const restrictedContainer = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

/** Core pods (hub, proxy) leave a failed node after 30 s instead of Kubernetes' 300 s default. */
const fastEviction = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"].map((key) => ({
  key,
  operator: "Exists",
  effect: "NoExecute",
  tolerationSeconds: 30,
}));

function ldapAuthenticator(config: DeployConfig): Values {
  const ldap = config.ldap;
  return {
    server_address: ldap.server,
    server_port: ldap.port,
    tls_strategy: ldap.tlsStrategy,
    bind_dn_template: ldap.bindDnTemplate,
    allowed_groups: ldap.allowedGroups,
    // ldapauthenticator returns these as lists in auth_state["user_attributes"]; the spawn hook needs the ids.
    auth_state_attributes: ["uidNumber", "gidNumber", "cn"],
    ...(ldap.lookupUser ? { lookup_dn_search_user: ldap.lookupUser, lookup_dn_search_password: ldap.lookupPassword } : {}),
  };
}

function profileList(config: DeployConfig): Values[] {
  return config.profiles.map((p) => ({
    display_name: p.displayName,
    slug: p.slug,
    description: p.description,
    ...(p.default ? { default: true } : {}),
    kubespawner_override: {
      cpu_guarantee: p.cpu.guarantee,
      cpu_limit: p.cpu.limit,
      mem_guarantee: p.memory.guarantee,
      mem_limit: p.memory.limit,
    },
  }));
}

export function buildValuesOverlay(config: DeployConfig): Values {
  const first = config.profiles.find((p) => p.default) ?? config.profiles[0];
  return {
    hub: {
      config: {
        JupyterHub: {
          authenticator_class: "ldapauthenticator.LDAPAuthenticator",
          // Servers outlive the hub: a hub restart (upgrade, node failure) must not stop them.
          cleanup_servers: false,
          admin_access: false,
        },
        Authenticator: {
          enable_auth_state: true,
          admin_users: config.admins,
        },
        LDAPAuthenticator: ldapAuthenticator(config),
        KubeSpawner: {
          pod_security_context: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
          container_security_context: { runAsNonRoot: true, ...restrictedContainer },
        },
      },
      db: { type: "postgres", url: config.database.url, password: config.database.password, upgrade: true },
      extraConfig: hubExtraConfig(config),
      tolerations: fastEviction,
      networkPolicy: { enabled: true },
    },
    proxy: {
      service: { type: "ClusterIP" },
      chp: { tolerations: fastEviction, networkPolicy: { enabled: true } },
    },
    ingress: {
      enabled: true,
      ingressClassName: config.ingress.className,
      hosts: [config.host],
      tls: config.ingress.tlsSecret ? [{ hosts: [config.host], secretName: config.ingress.tlsSecret }] : [],
    },
    singleuser: {
      image: { name: config.image.name, tag: config.image.tag },
      defaultUrl: "/lab",
      // The auth_state hook sets uid and gid per user; the chart's fixed uid 1000 and fsGroup 100
      // must not apply (an fsGroup would have the kubelet chown Lustre).
      uid: null,
      fsGid: null,
      allowPrivilegeEscalation: false,
      // The iptables init container runs as root with NET_ADMIN; the network policy blocks the
      // cloud metadata server instead.
      cloudMetadata: { blockWithIptables: false, ip: "169.254.169.254" },
      networkPolicy: {
        enabled: true,
        egressAllowRules: {
          cloudMetadataServer: false,
          privateIPs: false,
          nonPrivateIPs: config.internetAccess,
          dnsPortsPrivateIPs: true,
          dnsPortsKubeSystemNamespace: true,
        },
      },
      cpu: { guarantee: first.cpu.guarantee, limit: first.cpu.limit },
      memory: { guarantee: first.memory.guarantee, limit: first.memory.limit },
      profileList: profileList(config),
      storage: {
        type: "static",
        static: { pvcName: STORAGE_NAMES.homes, subPath: "{username}" },
        homeMountPath: config.storage.homes.mountPath,
        extraVolumes: [
          { name: "archive", persistentVolumeClaim: { claimName: STORAGE_NAMES.archive, readOnly: true } },
          { name: ETC_VOLUME, emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
        ],
        extraVolumeMounts: [
          { name: "archive", mountPath: config.storage.archive.mountPath, readOnly: true },
          { name: ETC_VOLUME, mountPath: "/etc/passwd", subPath: "passwd", readOnly: true },
          { name: ETC_VOLUME, mountPath: "/etc/group", subPath: "group", readOnly: true },
        ],
      },
    },
    cull: {
      enabled: true,
      users: false,
      timeout: config.culling.timeoutSeconds,
      every: config.culling.everySeconds,
    },
  };
}
