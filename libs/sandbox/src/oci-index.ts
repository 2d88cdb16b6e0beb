// The parts of the OCI image layout that intake and the sanitizer must read alike: which media types are
// accepted, how deep indexes may nest, and which of an index's manifests are images. The sanitizer derives
// the manifest.json that Docker 20.10 loads from the same choice that intake inspected.
import { asObject } from './image-intake-rules';

export const MEDIA_TYPES: Readonly<Record<'index' | 'manifest' | 'config' | 'layer', readonly string[]>> = {
  index: ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'],
  manifest: ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'],
  config: ['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json'],
  layer: [
    'application/vnd.oci.image.layer.v1.tar',
    'application/vnd.oci.image.layer.v1.tar+gzip',
    'application/vnd.oci.image.layer.v1.tar+zstd',
    'application/vnd.docker.image.rootfs.diff.tar',
    'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ],
};

/**
 * Indexes below index.json that intake follows to reach the image manifest: buildx, nerdctl and Docker 25+
 * (with the containerd store) write one, index.json → the image's index → its manifest.
 */
export const MAX_NESTED_INDEXES = 2;

/** The descriptors of an index's `manifests` that describe images: BuildKit's attestations (SBOM, provenance) are not. */
export function imageManifestsOf(manifests: unknown[]): unknown[] {
  return manifests.filter((manifest) => asObject(asObject(manifest)?.annotations)?.['vnd.docker.reference.type'] !== 'attestation-manifest');
}

export function isIndexMediaType(mediaType: unknown): boolean {
  return typeof mediaType === 'string' && MEDIA_TYPES.index.includes(mediaType);
}
