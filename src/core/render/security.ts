/**
 * Security contexts that meet the Kubernetes "restricted" Pod Security Standard: non-root, no privilege
 * escalation, every capability dropped, RuntimeDefault seccomp, read-only root filesystem.
 */

/** Pod-level security context for a pod running as `uid`. */
export function restrictedPodSecurityContext(uid: number): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level security context. */
export function restrictedContainerSecurityContext(): Record<string, unknown> {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
