// Image interop, end to end through the public API: a developer's image does not always come from this
// machine's `docker save`. Each mainstream producer's tarball (skopeo's docker-archive and oci-archive,
// buildah FROM scratch, an umoci layout tarred by hand, and docker save as the control) is submitted,
// checked, published and run for a user, and the check report names the layout it was found in. Hostile
// variants of each layout are refused at intake with their own rule: links out of the archive, to a
// non-layer or in a loop, a manifest naming a missing blob, two images for two platforms, a layer with a
// PAX global header, a config whose duplicate key Docker would merge.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestAnalysisImage, publishTestAnalysis, removeLocalImage, submitAnalysis, testManifest } from '../support/analysis-images';
import {
  baseRootfs,
  buildahFromScratch,
  imageIdOf,
  missingInteropTools,
  packTarEntries,
  paxGlobalHeader,
  type ProducedTarball,
  readTarEntries,
  sha256Hex,
  skopeoCopy,
  type TarEntry,
  umociLayout,
} from '../support/image-producers';
import { api, createSession, eventually, type Session, upload } from '../support/session';

jest.setTimeout(300_000);

/** The analysis every producer packs: counts the user's posts and says who built it. */
const mainSh = (producer: string) =>
  [
    '#!/bin/sh',
    'posts=$(wc -l < /input/data/social.posts.jsonl)',
    `printf '{"schemaVersion":1,"summary":"built by %s","blocks":[{"type":"metric","label":"Posts","value":%s}]}' '${producer}' "$posts" > /output/result.json`,
    '',
  ].join('\n');

interface Producer {
  name: string;
  /** The layout the check report must name. */
  layout: string;
  /** Who built the image, as its analysis says in its result (both skopeo tarballs copy one image). */
  builder: string;
  tarball?: ProducedTarball;
  imageId?: string;
}

const producers: Producer[] = [
  { name: 'docker save', layout: 'docker-save', builder: 'docker build' },
  { name: 'skopeo docker-archive', layout: 'docker-archive-links', builder: 'docker build for skopeo' },
  { name: 'skopeo oci-archive', layout: 'oci-layout', builder: 'docker build for skopeo' },
  { name: 'buildah oci-archive', layout: 'oci-layout', builder: 'buildah' },
  { name: 'umoci', layout: 'oci-layout', builder: 'umoci' },
];
const producer = (name: string) => producers.find((candidate) => candidate.name === name)!;

let work: string;
/** The user who runs every producer's analysis, and their dataset. */
let user: Session;
let datasetId: string;

// Everything is prepared here, at the top: jest starts concurrent tests right after the top-level hooks.
beforeAll(async () => {
  const missing = await missingInteropTools();
  if (missing.length > 0)
    throw new Error(`${missing.join(', ')} not installed: run npm run prereqs (as root on Debian), which installs skopeo, umoci and buildah`);
  work = await mkdtemp(join(tmpdir(), 'lockbox-interop-'));
  const rootfs = await baseRootfs(work);

  const saved = await buildTestAnalysisImage('busybox', { 'main.sh': mainSh('docker build') });
  const forSkopeo = await buildTestAnalysisImage('busybox', { 'main.sh': mainSh('docker build for skopeo') });
  await writeFile(join(work, 'docker-save.tar'), saved.tarball);
  producer('docker save').tarball = { path: join(work, 'docker-save.tar'), transport: 'docker-archive' };
  const [dockerArchive, ociArchive, buildah, umoci] = await Promise.all([
    skopeoCopy(forSkopeo.imageId, 'docker-archive', join(work, 'skopeo-docker-archive.tar')),
    skopeoCopy(forSkopeo.imageId, 'oci-archive', join(work, 'skopeo-oci-archive.tar')),
    buildahFromScratch(work, rootfs, { 'main.sh': mainSh('buildah') }, join(work, 'buildah-oci-archive.tar')),
    umociLayout(work, rootfs, { 'main.sh': mainSh('umoci') }, join(work, 'umoci.tar')),
  ]);
  Object.assign(producer('skopeo docker-archive'), { tarball: dockerArchive });
  Object.assign(producer('skopeo oci-archive'), { tarball: ociArchive });
  Object.assign(producer('buildah oci-archive'), { tarball: buildah });
  Object.assign(producer('umoci'), { tarball: umoci });
  for (const each of producers) each.imageId = await imageIdOf(each.tarball!);
  // The worker must load every image from its tarball, not find it in the engine already.
  await Promise.all([removeLocalImage(saved.imageId), removeLocalImage(forSkopeo.imageId)]);

  user = await createSession('user');
  const records = [1, 2, 3].map((likes) =>
    JSON.stringify({ kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', text: 'words', likes }),
  );
  const dataset = await upload(
    '/datasets',
    [
      { name: 'format', content: 'lockbox-jsonl' },
      { name: 'file', content: Buffer.from(`${records.join('\n')}\n`), filename: 'export.jsonl', contentType: 'application/x-ndjson' },
    ],
    { token: user.token },
  );
  if (dataset.status !== 202) throw new Error(`uploading the dataset failed: ${dataset.status} ${JSON.stringify(dataset.body)}`);
  datasetId = dataset.body.id;
  await eventually(
    async () => ((await api('GET', `/datasets/${datasetId}`, { token: user.token })).body.status === 'ready' ? true : undefined),
    60_000,
    'ingestion',
  );
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('every mainstream producer', () => {
  it.concurrent.each(producers.map((each) => [each.name, each] as const))(
    '%s: accepted, checked, published and run, its layout named in the check report',
    async (_name, each) => {
      const published = await publishTestAnalysis({
        base: 'busybox',
        image: { imageId: each.imageId!, tarball: await readFile(each.tarball!.path) },
        manifest: { entrypoint: ['/bin/sh', '/app/main.sh'] },
      });
      const submission = await api('GET', `/submissions/${published.submissionId}`, { token: published.developer.token });
      expect(submission.body.checkReport).toMatchObject({ passed: true, imageId: each.imageId, layout: each.layout });

      const accepted = await api('POST', '/runs', {
        token: user.token,
        body: { analysis: published.slug, datasetIds: [datasetId], consent: { scopes: { 'social.posts': ['timestamp', 'likes'] } } },
      });
      expect(accepted.status).toBe(202);
      const run = await eventually(
        async () => {
          const response = await api('GET', `/runs/${accepted.body.id}`, { token: user.token });
          return ['queued', 'running'].includes(response.body.status) ? undefined : response.body;
        },
        120_000,
        `the run of the ${each.name} image`,
      );
      expect(run).toMatchObject({ status: 'succeeded' });
      const result = await api('GET', `/runs/${accepted.body.id}/result`, { token: user.token });
      expect(result.body).toMatchObject({ summary: `built by ${each.builder}`, blocks: [{ type: 'metric', label: 'Posts', value: 3 }] });
    },
  );
});

describe('hostile variants of each layout', () => {
  /** Submits a tarball and waits for its checks to end; returns the check report. */
  async function checkReportOf(tarball: Buffer): Promise<any> {
    const developer = await createSession('developer');
    const submitted = await submitAnalysis(developer, testManifest({ entrypoint: ['/bin/sh', '/app/main.sh'] }), tarball);
    expect(submitted.status).toBe(202);
    const checked = await eventually(
      async () => {
        const response = await api('GET', `/submissions/${submitted.body.id}`, { token: developer.token });
        return ['submitted', 'checking'].includes(response.body.status) ? undefined : response.body;
      },
      90_000,
      `the checks of submission ${submitted.body.id}`,
    );
    expect(checked.status).toBe('check_failed');
    return checked.checkReport;
  }

  const entriesOf = (name: string) => readTarEntries(producer(name).tarball!.path);
  const named = (entries: TarEntry[], name: string) => entries.find((entry) => entry.header.name.replace(/^\.\//, '') === name)!;
  const firstLink = (entries: TarEntry[]) => entries.find((entry) => entry.header.type === 'symlink')!;

  /** A docker-archive whose first `<id>/layer.tar` link points to `linkname`. */
  async function relinked(linkname: string): Promise<Buffer> {
    const entries = await entriesOf('skopeo docker-archive');
    firstLink(entries).header.linkname = linkname;
    return packTarEntries(entries);
  }

  /** docker save's tarball with its last layer and config replaced; manifest.json follows. */
  async function withLastLayer(change: { layer?: (layer: Buffer) => Buffer; configText?: (json: string) => string }): Promise<Buffer> {
    const entries = await entriesOf('docker save');
    const manifestEntry = named(entries, 'manifest.json');
    const [item] = JSON.parse(manifestEntry.body.toString());
    const layerEntry = named(entries, item.Layers.at(-1));
    const configEntry = named(entries, item.Config);
    if (change.layer) layerEntry.body = change.layer(layerEntry.body);
    const config = JSON.parse(configEntry.body.toString());
    config.rootfs.diff_ids[config.rootfs.diff_ids.length - 1] = `sha256:${sha256Hex(layerEntry.body)}`;
    const json = JSON.stringify(config);
    configEntry.body = Buffer.from(change.configText ? change.configText(json) : json);
    configEntry.header.name = `${sha256Hex(configEntry.body)}.json`;
    manifestEntry.body = Buffer.from(JSON.stringify([{ ...item, Config: configEntry.header.name }]));
    return packTarEntries(entries);
  }

  /** Each variant: what it is, the rule it breaks, what the report says, and how to make it. */
  const variants: [name: string, rule: string, message: RegExp, build: () => Promise<Buffer>][] = [
    [
      'docker-archive: a layer link out of the archive',
      'path_escape',
      /is a symlink to "..\/..\/..\/etc\/passwd", outside the tarball/,
      () => relinked('../../../etc/passwd'),
    ],
    [
      'docker-archive: a layer link to the config',
      'link_target',
      /which the manifest does not name as a layer/,
      async () => {
        const entries = await entriesOf('skopeo docker-archive');
        const [item] = JSON.parse(named(entries, 'manifest.json').body.toString());
        firstLink(entries).header.linkname = `../${item.Config}`;
        return packTarEntries(entries);
      },
    ],
    [
      'docker-archive: a loop of layer links',
      'link_target',
      /which is itself a link \(chains and loops of links are not followed\)/,
      async () => {
        const entries = await entriesOf('skopeo docker-archive');
        const link = firstLink(entries);
        const loop = (from: string, to: string): TarEntry => ({
          header: { ...link.header, name: `${from}/layer.tar`, linkname: `../${to}/layer.tar` },
          body: Buffer.alloc(0),
        });
        return packTarEntries([...entries, loop('loop-a', 'loop-b'), loop('loop-b', 'loop-a')]);
      },
    ],
    [
      'OCI layout (buildah): a manifest naming a missing blob',
      'layout',
      /layer 1 \(sha256:[a-f0-9]{64}\) is not in the tarball/,
      async () => {
        const entries = await entriesOf('buildah oci-archive');
        const index = JSON.parse(named(entries, 'index.json').body.toString());
        const manifest = JSON.parse(named(entries, `blobs/sha256/${index.manifests[0].digest.slice(7)}`).body.toString());
        const layerBlob = `blobs/sha256/${manifest.layers[0].digest.slice(7)}`;
        return packTarEntries(entries.filter((entry) => entry.header.name !== layerBlob));
      },
    ],
    [
      'OCI layout (umoci): images for two platforms',
      'multiple_images',
      /index.json names 2 images \(linux\/amd64, linux\/arm64\); submit exactly one/,
      async () => {
        const entries = await entriesOf('umoci');
        const indexEntry = named(entries, 'index.json');
        const index = JSON.parse(indexEntry.body.toString());
        const [image] = index.manifests;
        index.manifests = [
          { ...image, platform: { os: 'linux', architecture: 'amd64' } },
          { ...image, platform: { os: 'linux', architecture: 'arm64' } },
        ];
        indexEntry.body = Buffer.from(JSON.stringify(index));
        return packTarEntries(entries);
      },
    ],
    [
      'docker save: a layer with a PAX global header',
      'tar_header',
      /a PAX global header \(type g\): Docker ignores it/,
      () => withLastLayer({ layer: (layer) => Buffer.concat([paxGlobalHeader({ path: 'app/innocent' }), layer]) }),
    ],
    [
      'docker save: a config with a key twice, which Docker would merge (and its volume with it)',
      'duplicate_key',
      /has the key "config" twice/,
      () => withLastLayer({ configText: (json) => json.replace('"config":{', '"config":{"Volumes":{"/data":{}}},"config":{') }),
    ],
  ];

  it.concurrent.each(variants)('%s: refused with %s', async (_name, rule, message, build) => {
    const report = await checkReportOf(await build());

    expect(report.violations.map((violation: { rule: string }) => violation.rule)).toEqual(expect.arrayContaining([rule]));
    expect(report.violations.filter((violation: { rule: string }) => violation.rule !== rule)).toEqual([]);
    expect(report.violations).toContainEqual({ rule, message: expect.stringMatching(message) });
    expect(report.steps).toEqual(
      expect.arrayContaining([
        { name: 'intake', outcome: 'failed' },
        { name: 'load', outcome: 'skipped' },
      ]),
    );
  });
});
