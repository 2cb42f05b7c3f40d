import { imageDigest, imageReference, parseImageReference, ValidationError } from '../../phases';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('image references', () => {
  test.each([
    ['career-copilot/user-service:1.4.2', { repository: 'career-copilot/user-service', tag: '1.4.2' }],
    ['registry.example.com:5000/career-copilot/user-service:1.4.2', { repository: 'registry.example.com:5000/career-copilot/user-service', tag: '1.4.2' }],
    [`career-copilot/user-service@${DIGEST}`, { repository: 'career-copilot/user-service', tag: DIGEST }],
    [`career-copilot/user-service:1.4.2@${DIGEST}`, { repository: 'career-copilot/user-service', tag: '1.4.2', digest: DIGEST }],
    [`registry.example.com:5000/postgres:16.4-alpine@${DIGEST}`, { repository: 'registry.example.com:5000/postgres', tag: '16.4-alpine', digest: DIGEST }],
    ['nginxinc/nginx-unprivileged:1.27.3-alpine', { repository: 'nginxinc/nginx-unprivileged', tag: '1.27.3-alpine' }],
  ])('%s is read as its repository and tag, and written back the same', (reference, image) => {
    expect(parseImageReference('images.x', reference)).toEqual(image);
    expect(imageReference(image)).toBe(reference);
  });

  test('the digest of an image is the one beside its tag, or its tag when that is a digest', () => {
    expect(imageDigest({ repository: 'r', tag: '1.4.2', digest: DIGEST })).toBe(DIGEST);
    expect(imageDigest({ repository: 'r', tag: DIGEST })).toBe(DIGEST);
    expect(imageDigest({ repository: 'r', tag: '1.4.2' })).toBeUndefined();
  });

  test.each([
    ['career-copilot/user-service', 'is not pinned'],
    ['career-copilot/user-service:latest', 'is not pinned'],
    ['registry.example.com:5000/user-service', 'is not pinned'],
    ['career-copilot/user-service@sha256:abc', 'is not pinned'],
    ['career-copilot/user-service@1.4.2', 'is not pinned'],
    ['career-copilot/user-service:latest@sha256:abc', 'is not pinned'],
    [`career-copilot/user-service:latest@${DIGEST}`, 'is not pinned'],
    ['Career-Copilot/User-Service:1.4.2', 'has no valid repository'],
    [':1.4.2', 'has no valid repository'],
  ])('%s is refused: %s', (reference, rule) => {
    const parse = () => parseImageReference('images.user-service', reference);
    expect(parse).toThrow(ValidationError);
    expect(parse).toThrow(`images.user-service: ${JSON.stringify(reference)} ${rule}`);
  });
});
