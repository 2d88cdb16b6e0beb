import type { EntryRole, ExportFormat, FormatPlan, PlanOptions } from '../export-format';
import { parseGoogleJson } from './google-json.parser';

// Google Takeout names its folders and files in the account's language: "YouTube and YouTube
// Music/history/watch-history.json" is "YouTube und YouTube Music/Verlauf/Wiedergabeverlauf.json" in
// German, "My Activity" is "Meine Aktivitäten", "Location History" is "Standortverlauf". So files are
// found by the archive's structure, and read by their content's shape (google-json.parser.ts):
// - YouTube's history: the JSON files one folder down in the product folder whose name starts with
//   "YouTube" (the product's name is never translated);
// - My Activity: a folder whose subfolders (one per product) each hold one JSON file, all of one name;
// - location history: the folder that holds Records.json or "Semantic Location History" (neither name is
//   translated), and in it the older "<folder>.json";
// - a Timeline.json from a phone (not a Takeout at all), alone at the archive's root, or uploaded bare.
// Archives made from the extracted folder keep "Takeout/" in front of every name: it is passed over.

const TAKEOUT = 'Takeout/';
const YOUTUBE_FOLDER = /^YouTube(?:\s|$)/;
const KNOWN_ACTIVITY_FOLDERS = new Set([
  'My Activity',
  'Meine Aktivitäten',
  'Mon activité',
  'Mi actividad',
  'Le mie attività',
  'Mijn activiteit',
  'Min aktivitet',
  'Moja aktywność',
]);
const KNOWN_ACTIVITY_FILES = new Set([
  'MyActivity.json',
  'MeineAktivitäten.json',
  'MonActivité.json',
  'MiActividad.json',
  'LeMieAttività.json',
  'MijnActiviteit.json',
  'MinAktivitet.json',
]);
const ROOT_TIMELINES = new Set(['Timeline.json', 'location-history.json']);
const SEMANTIC = 'Semantic Location History';

const HISTORY_ORDER = 1;
const ACTIVITY_ORDER = 2;
const RECORDS_ORDER = 3;
const SEMANTIC_ORDER = 4;
const TIMELINE_ORDER = 5;

const strip = (name: string): string => (name.startsWith(TAKEOUT) ? name.slice(TAKEOUT.length) : name);
const read = (part: string, order: number): EntryRole => ({ read: { part, order, parse: parseGoogleJson } });

/** What the archive's structure says each folder is. */
interface Structure {
  activityFolders: Set<string>;
  locationFolders: Set<string>;
}

/** A My Activity folder by its structure: two or more product subfolders, each with exactly one JSON file, all of one name. */
function structuralActivityFolders(paths: readonly string[][]): Set<string> {
  const byFolder = new Map<string, Map<string, string[]>>();
  for (const parts of paths) {
    const [folder = '', product = '', file = ''] = parts;
    if (parts.length !== 3 || !file.endsWith('.json')) continue;
    const products = byFolder.get(folder) ?? new Map<string, string[]>();
    byFolder.set(folder, products);
    products.set(product, [...(products.get(product) ?? []), file]);
  }
  const found = new Set<string>();
  for (const [folder, products] of byFolder) {
    const files = [...products.values()];
    if (files.length >= 2 && files.every((names) => names.length === 1 && names[0] === files[0]?.[0])) found.add(folder);
  }
  return found;
}

function structureOf(names: readonly string[]): Structure {
  const paths = names.map((name) => strip(name).split('/'));
  const activityFolders = structuralActivityFolders(paths);
  const locationFolders = new Set<string>();
  for (const parts of paths) {
    const [folder = '', second, third = ''] = parts;
    if (parts.length === 3 && (KNOWN_ACTIVITY_FOLDERS.has(folder) || KNOWN_ACTIVITY_FILES.has(third))) activityFolders.add(folder);
    if ((parts.length === 2 && second === 'Records.json') || (parts.length > 2 && second === SEMANTIC)) locationFolders.add(folder);
  }
  for (const folder of activityFolders) if (YOUTUBE_FOLDER.test(folder)) activityFolders.delete(folder);
  return { activityFolders, locationFolders };
}

function locationRole(parts: readonly string[]): EntryRole {
  const [folder, second, third = '', fourth = ''] = parts;
  if (parts.length === 2 && (second === 'Records.json' || second === `${folder}.json`)) return read('location-records', RECORDS_ORDER);
  if (parts.length === 4 && second === SEMANTIC && /^\d{4}$/.test(third) && fourth.endsWith('.json')) return read('semantic-location-history', SEMANTIC_ORDER);
  return { notImported: 'location settings, edits and backups are not imported' };
}

function roleOf(name: string, structure: Structure): EntryRole | undefined {
  const parts = strip(name).split('/');
  // A split gives at least one part, so neither default is ever used.
  const [folder = ''] = parts;
  const file = parts.at(-1) ?? '';
  if (parts.length === 1) {
    if (file.endsWith('.json')) return read('timeline', TIMELINE_ORDER);
    if (file.endsWith('.html')) return { notImported: "Takeout's index of the archive" };
    return undefined;
  }
  if (YOUTUBE_FOLDER.test(folder)) {
    if (parts.length === 3 && file.endsWith('.json')) return read('youtube-history', HISTORY_ORDER);
    if (parts.length === 3 && file.endsWith('.html'))
      return { notImported: "Lockbox reads YouTube's history as JSON: choose JSON for it in Takeout's options" };
    return { notImported: "a part of YouTube's data that Lockbox does not import (playlists, subscriptions, comments, channels…)" };
  }
  if (structure.activityFolders.has(folder)) {
    if (parts.length === 3 && file.endsWith('.json')) return read('my-activity', ACTIVITY_ORDER);
    if (parts.length === 3 && file.endsWith('.html')) return { notImported: "Lockbox reads My Activity as JSON: choose JSON for it in Takeout's options" };
    return { notImported: 'a part of My Activity that Lockbox does not import' };
  }
  if (structure.locationFolders.has(folder) || folder === 'Location History' || folder === 'Location History (Timeline)') return locationRole(parts);
  return { notImported: 'a part of Google Takeout that Lockbox does not import' };
}

/** What in the names shows a Takeout archive, most telling first. */
function signsOf(names: readonly string[]): string[] {
  const structure = structureOf(names);
  const signs: string[] = [];
  for (const name of names) {
    const parts = strip(name).split('/');
    const role = roleOf(name, structure);
    const isRead = role !== undefined && 'read' in role && (parts.length > 1 || ROOT_TIMELINES.has(parts[0] ?? ''));
    if (isRead || (parts.length === 1 && parts[0] === 'archive_browser.html')) signs.push(name);
  }
  return signs;
}

function detect(names: readonly string[]): string | undefined {
  const signs = signsOf(names);
  if (signs.length === 0) return undefined;
  const shown = signs.filter((name) => !name.endsWith('.html')).slice(0, 2);
  return `${(shown.length > 0 ? shown : signs.slice(0, 1)).join(' and ')}: a Google Takeout archive`;
}

export const GOOGLE_TAKEOUT: ExportFormat = {
  name: 'google-takeout',
  detect,
  plan(options: PlanOptions): FormatPlan {
    const structure = structureOf(options.names ?? []);
    // A Timeline.json or Records.json uploaded on its own, not zipped.
    return { roleOf: (name) => roleOf(name, structure), bareFile: { part: 'timeline', order: 0, parse: parseGoogleJson } };
  },
};
