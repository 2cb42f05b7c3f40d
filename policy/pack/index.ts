/**
 * `pulumi preview --policy-pack policy/pack`: Career Copilot's security policy over every Kubernetes resource of
 * the stack and the aws target's managed data services. Every policy is mandatory, so a violation stops the preview or update.
 */
import { PolicyPack } from '@pulumi/policy';
import { SECURITY_POLICIES } from './policies';

new PolicyPack('career-copilot-security', {
  description: "Career Copilot's security policy: restricted pods, pinned images (by digest in prod), default-deny networking, STRICT mTLS, no literal Secrets; on AWS, encrypted, private, backed-up, deletion-protected data stores",
  enforcementLevel: 'mandatory',
  policies: [...SECURITY_POLICIES],
});
