// The set of resources one API server serves. Resources come from files in src/api/resources/ (discovered, no
// central list: each file `export default defineResource({...})` or an array of them, and may
// `export const extensions = [extendResource('brands', {...})]`), plus anything passed to `registerResource()`.
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { FieldDecl, ResourceDecl, ResourceHooks, Level, Operation } from './types.ts';

/** Adds fields and hooks to a resource declared in another file (e.g. the brand ↔ proxy-trunk m2m). */
export interface ResourceExtension {
  readonly name: string;
  readonly fields?: Readonly<Record<string, FieldDecl>>;
  readonly hooks?: ResourceHooks;
}

/** A resource after extensions: hooks become lists, run in registration order. */
export interface Resource extends Omit<ResourceDecl, 'hooks'> {
  readonly hooks: { readonly [K in keyof ResourceHooks]-?: Array<NonNullable<ResourceHooks[K]>> };
}

/** Identity function that types a declaration. */
export function defineResource(decl: ResourceDecl): ResourceDecl {
  return decl;
}

/** Identity function that types an extension. */
export function extendResource(name: string, ext: Omit<ResourceExtension, 'name'>): ResourceExtension {
  return { name, ...ext };
}

const globalDecls: ResourceDecl[] = [];
const globalExts: ResourceExtension[] = [];

/** Registers a resource for every API server built afterwards (alternative to a file in src/api/resources). */
export function registerResource(decl: ResourceDecl): void {
  globalDecls.push(decl);
}

/** Registers an extension for every API server built afterwards. */
export function registerExtension(ext: ResourceExtension): void {
  globalExts.push(ext);
}

export class ResourceRegistry {
  readonly #byName = new Map<string, Resource>();

  constructor(decls: readonly ResourceDecl[], exts: readonly ResourceExtension[] = []) {
    for (const d of decls) this.#add(d);
    for (const e of exts) this.#extend(e);
  }

  #add(d: ResourceDecl): void {
    if (this.#byName.has(d.name)) throw new Error(`resource ${d.name} declared twice`);
    if (!d.fields.id) throw new Error(`resource ${d.name} has no id field`);
    const paths = [d.path, ...(d.aliases ?? []).map((a) => a.path)];
    for (const p of paths) {
      if (!/^\/[a-z0-9]+(-[a-z0-9]+)*$/.test(p)) throw new Error(`resource ${d.name}: path ${p} is not kebab-case`);
    }
    if (new Set(paths).size !== paths.length) throw new Error(`resource ${d.name}: an alias repeats a path`);
    for (const r of this.#byName.values()) {
      const taken = resourcePaths(r, undefined).find((p) => paths.includes(p));
      if (taken !== undefined) throw new Error(`resources ${r.name} and ${d.name} share path ${taken}`);
    }
    const h = d.hooks ?? {};
    this.#byName.set(d.name, {
      ...d,
      hooks: {
        prepare: h.prepare ? [h.prepare] : [],
        validate: h.validate ? [h.validate] : [],
        afterWrite: h.afterWrite ? [h.afterWrite] : [],
        beforeDelete: h.beforeDelete ? [h.beforeDelete] : [],
        afterRead: h.afterRead ? [h.afterRead] : [],
      },
    });
  }

  #extend(e: ResourceExtension): void {
    const r = this.#byName.get(e.name);
    if (!r) throw new Error(`extension for unknown resource ${e.name}`);
    const fields = { ...r.fields };
    for (const [k, f] of Object.entries(e.fields ?? {})) {
      if (fields[k]) throw new Error(`extension of ${e.name} redeclares field ${k}`);
      fields[k] = f;
    }
    const h = e.hooks ?? {};
    const hooks = {
      prepare: [...r.hooks.prepare, ...(h.prepare ? [h.prepare] : [])],
      validate: [...r.hooks.validate, ...(h.validate ? [h.validate] : [])],
      afterWrite: [...r.hooks.afterWrite, ...(h.afterWrite ? [h.afterWrite] : [])],
      beforeDelete: [...r.hooks.beforeDelete, ...(h.beforeDelete ? [h.beforeDelete] : [])],
      afterRead: [...r.hooks.afterRead, ...(h.afterRead ? [h.afterRead] : [])],
    };
    this.#byName.set(e.name, { ...r, fields, hooks });
  }

  get(name: string): Resource | undefined {
    return this.#byName.get(name);
  }

  all(): Resource[] {
    return [...this.#byName.values()];
  }

  /** Resources declared for `level`, in name order. */
  forLevel(level: Level): Resource[] {
    return this.all()
      .filter((r) => (r.levels[level]?.length ?? 0) > 0)
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}

/**
 * The URL paths of a resource at `level`: its own path first, then its aliases for that level
 * (`level` undefined: every alias).
 */
export function resourcePaths(r: Resource | ResourceDecl, level: Level | undefined): string[] {
  const aliases = (r.aliases ?? []).filter((a) => level === undefined || a.levels === undefined || a.levels.includes(level));
  return [r.path, ...aliases.map((a) => a.path)];
}

export function allows(r: Resource | ResourceDecl, level: Level, op: Operation): boolean {
  return r.levels[level]?.includes(op) ?? false;
}

export const RESOURCES_DIR = fileURLToPath(new URL('../resources/', import.meta.url));

/**
 * Builds the registry: every `*.ts` module in `dir` (tests excluded) plus global registrations.
 * A module's default export is a declaration or an array of them; `extensions` an array of extensions.
 */
export async function loadRegistry(dir: string = RESOURCES_DIR): Promise<ResourceRegistry> {
  const files = (await readdir(dir))
    .filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith('.d.ts') && !/\.test\.[mc]?[tj]s$/.test(f))
    .sort();
  const decls: ResourceDecl[] = [];
  const exts: ResourceExtension[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as {
      default?: ResourceDecl | ResourceDecl[];
      extensions?: ResourceExtension[];
    };
    if (mod.default) decls.push(...(Array.isArray(mod.default) ? mod.default : [mod.default]));
    if (mod.extensions) exts.push(...mod.extensions);
  }
  return new ResourceRegistry([...decls, ...globalDecls], [...exts, ...globalExts]);
}
