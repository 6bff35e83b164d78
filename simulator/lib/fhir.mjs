// FHIR R4 facade over the site's Patients and Practitioners tables (read, search, CapabilityStatement).
import { randomUUID } from 'node:crypto';
import { contentTypeOf, HttpError } from './http.mjs';
import { HALO_LINK_VERSION } from './sites.mjs';

const FHIR_CONTENT_TYPE = 'application/fhir+json; charset=utf-8';

function fhirResponse(status, resource) {
  return { status, headers: { 'Content-Type': FHIR_CONTENT_TYPE }, body: resource };
}

/** Errors are OperationOutcomes: 404 -> error/not-found; 400 -> fatal/exception (the spec's example). */
function operationOutcomeError(status, text) {
  const issue =
    status === 404
      ? { severity: 'error', code: 'not-found', details: { text } }
      : {
          severity: 'fatal',
          code: 'exception',
          details: { coding: [{ system: 'http://hl7.org/fhir/dotnet-api-operation-outcome', code: '5003' }], text },
        };
  return new HttpError(fhirResponse(status, { resourceType: 'OperationOutcome', issue: [issue] }));
}

const GENDERS = { M: 'male', F: 'female' };

function humanName(row) {
  return {
    use: 'official',
    text: [row.Title, row.Firstname, row.Surname].filter(Boolean).join(' '),
    family: row.Surname ?? undefined,
    given: row.Firstname ? [row.Firstname] : undefined,
    prefix: row.Title ? [row.Title] : undefined,
  };
}

function toPatient(row) {
  return {
    resourceType: 'Patient',
    id: String(row.InternalID),
    meta: { profile: ['http://hl7.org.au/fhir/StructureDefinition/au-patient'] },
    identifier: row.Medicare
      ? [
          {
            type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MC', display: "Patient's Medicare Number" }] },
            system: 'http://ns.electronichealth.net.au/id/medicare-number',
            value: row.Medicare,
          },
        ]
      : undefined,
    active: true,
    name: [humanName(row)],
    telecom: row.Phone ? [{ system: 'phone', value: row.Phone, use: 'mobile' }] : undefined,
    gender: GENDERS[row.Sex] ?? 'unknown',
    birthDate: row.DOB ?? undefined,
    address: [{ use: 'home', city: row.Suburb ?? undefined, state: row.State ?? undefined, postalCode: row.Postcode ?? undefined, country: 'AU' }],
    generalPractitioner: row.UsualDoctorID ? [{ reference: `Practitioner/${row.UsualDoctorID}` }] : undefined,
  };
}

function toPractitioner(row) {
  return {
    resourceType: 'Practitioner',
    id: String(row.PractitionerID),
    meta: { profile: ['http://hl7.org.au/fhir/StructureDefinition/au-practitioner'] },
    identifier: row.ProviderNo
      ? [
          {
            type: { coding: [{ system: 'http://terminology.hl7.org.au/CodeSystem/v2-0203', code: 'UPIN', display: 'Medicare Provider Number' }] },
            system: 'http://ns.electronichealth.net.au/id/medicare-provider-number',
            value: row.ProviderNo,
          },
        ]
      : undefined,
    active: true,
    name: [humanName(row)],
    qualification: row.Specialty ? [{ code: { text: row.Specialty } }] : undefined,
  };
}

// String search: case-insensitive "starts with" by default, as FHIR specifies; :exact and :contains.
function stringMatcher(modifier, wanted) {
  const needle = wanted.toLowerCase();
  if (modifier === 'exact') return (value) => value === wanted;
  if (modifier === 'contains') return (value) => value.toLowerCase().includes(needle);
  return (value) => value.toLowerCase().startsWith(needle);
}

const stringParameter = (read) => (modifier, wanted) => {
  const matches = stringMatcher(modifier, wanted);
  return (resource) => read(resource).some((value) => typeof value === 'string' && matches(value));
};

const namesOf = (resource) => resource.name.flatMap((name) => [name.family, ...(name.given ?? []), name.text]);

// A partial date (YYYY, YYYY-MM, YYYY-MM-DD) covers a range; "-31" upper bounds compare correctly as strings.
function dateMatcher(modifier, wanted) {
  if (modifier) throw operationOutcomeError(400, `Modifier ':${modifier}' is not supported for birthdate.`);
  const match = /^(eq|ne|gt|lt|ge|le)?(\d{4}(?:-\d{2}(?:-\d{2})?)?)$/.exec(wanted);
  if (!match) throw operationOutcomeError(400, `Invalid date '${wanted}' for search parameter birthdate.`);
  const [, prefix = 'eq', date] = match;
  const lower = date.length === 4 ? `${date}-01-01` : date.length === 7 ? `${date}-01` : date;
  const upper = date.length === 4 ? `${date}-12-31` : date.length === 7 ? `${date}-31` : date;
  const tests = {
    eq: (d) => d >= lower && d <= upper,
    ne: (d) => d < lower || d > upper,
    gt: (d) => d > upper,
    lt: (d) => d < lower,
    ge: (d) => d >= lower,
    le: (d) => d <= upper,
  };
  return (resource) => resource.birthDate !== undefined && tests[prefix](resource.birthDate);
}

function tokenParameter(read) {
  return (modifier, wanted) => {
    if (modifier) throw operationOutcomeError(400, `Modifier ':${modifier}' is not supported for token parameters.`);
    const [system, value] = wanted.includes('|') ? wanted.split('|', 2) : [undefined, wanted];
    return (resource) => read(resource).some((token) => token.value === value && (!system || token.system === system));
  };
}

const identifierTokens = (resource) => resource.identifier ?? [];

const COMMON_PARAMETERS = {
  _id: tokenParameter((resource) => [{ value: resource.id }]),
  name: stringParameter(namesOf),
  family: stringParameter((resource) => resource.name.map((name) => name.family)),
  given: stringParameter((resource) => resource.name.flatMap((name) => name.given ?? [])),
  identifier: tokenParameter(identifierTokens),
};

const SORT_KEYS = {
  _id: (resource) => resource.id.padStart(10, '0'),
  family: (resource) => resource.name[0].family ?? '',
  given: (resource) => resource.name[0].given?.[0] ?? '',
  birthdate: (resource) => resource.birthDate ?? '',
};

const RESOURCE_TYPES = {
  Patient: {
    table: 'patients',
    toResource: toPatient,
    searchParameters: {
      ...COMMON_PARAMETERS,
      birthdate: dateMatcher,
      gender: tokenParameter((resource) => [{ value: resource.gender }]),
    },
    sortKeys: SORT_KEYS,
  },
  Practitioner: {
    table: 'practitioners',
    toResource: toPractitioner,
    searchParameters: COMMON_PARAMETERS,
    sortKeys: { _id: SORT_KEYS._id, family: SORT_KEYS.family, given: SORT_KEYS.given },
  },
};

const SEARCH_PARAMETER_TYPES = { _id: 'token', name: 'string', family: 'string', given: 'string', identifier: 'token', birthdate: 'date', gender: 'token' };

// Drops the undefined optional elements so the JSON contains only populated FHIR elements.
const withoutUndefined = (resource) => JSON.parse(JSON.stringify(resource));

function resourcesOf(site, type) {
  return site.database.get(RESOURCE_TYPES[type].table).rows.map((row) => withoutUndefined(RESOURCE_TYPES[type].toResource(row)));
}

function resourceType(name) {
  if (!Object.hasOwn(RESOURCE_TYPES, name)) throw operationOutcomeError(404, `Resource type '${name}' is not supported.`);
  return RESOURCE_TYPES[name];
}

function sortResources(resources, definition, sortValue) {
  const keys = sortValue.split(',').map((key) => {
    const descending = key.startsWith('-');
    const name = descending ? key.slice(1) : key;
    if (!definition.sortKeys[name]) throw operationOutcomeError(400, `Sorting by '${name}' is not supported.`);
    return { read: definition.sortKeys[name], descending };
  });
  return [...resources].sort((a, b) => {
    for (const { read, descending } of keys) {
      const order = read(a).localeCompare(read(b));
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  });
}

// Paged searches, HAPI-style: a `next` link names a stored result set
// (`_getpages`) and an offset, so no search parameter (often a patient's
// name) is repeated in the link's URL. The oldest sets are dropped.
const PAGED_SEARCHES = new Map(); // id -> { siteId, typeName, resources }
const MAX_PAGED_SEARCHES = 1000;

function storedSearch(ctx, typeName, id) {
  const stored = PAGED_SEARCHES.get(id);
  if (!stored || stored.siteId !== ctx.site.id || stored.typeName !== typeName) throw operationOutcomeError(404, `Search result set '${id}' not found.`);
  return stored.resources;
}

function storeSearch(ctx, typeName, resources) {
  const id = randomUUID();
  PAGED_SEARCHES.set(id, { siteId: ctx.site.id, typeName, resources });
  if (PAGED_SEARCHES.size > MAX_PAGED_SEARCHES) PAGED_SEARCHES.delete(PAGED_SEARCHES.keys().next().value);
  return id;
}

const wholeNumber = (name, value) => {
  if (!/^\d+$/.test(value)) throw operationOutcomeError(400, `${name} must be a non-negative integer.`);
  return Number(value);
};

/**
 * Applies search parameters (repeats AND, commas OR) and builds a searchset
 * Bundle; with `_count`, one page of it and a `next` link while more remain.
 */
function search(ctx, typeName, parameters, selfUrl) {
  const definition = resourceType(typeName);
  let resources = resourcesOf(ctx.site, typeName);
  let count;
  let sort;
  let pages;
  let offset = 0;
  for (const [rawName, value] of parameters) {
    const [name, modifier] = rawName.split(':', 2);
    if (name === '_format' || value === '') continue;
    if (name === '_count') {
      count = wholeNumber('_count', value);
      continue;
    }
    if (name === '_getpages') {
      pages = value;
      continue;
    }
    if (name === '_getpagesoffset') {
      offset = wholeNumber('_getpagesoffset', value);
      continue;
    }
    if (name === '_sort') {
      sort = value;
      continue;
    }
    const parameter = definition.searchParameters[name];
    if (!parameter) throw operationOutcomeError(400, `Unknown search parameter '${name}' for resource ${typeName}.`);
    const alternatives = value.split(',').map((alternative) => parameter(modifier, alternative));
    resources = resources.filter((resource) => alternatives.some((matches) => matches(resource)));
  }
  if (sort) resources = sortResources(resources, definition, sort);
  if (pages !== undefined) resources = storedSearch(ctx, typeName, pages);
  const total = resources.length;
  const resourceBase = selfUrl.split('?')[0].replace(/\/_search$/, '');
  const link = [{ relation: 'self', url: selfUrl }];
  if (count !== undefined && offset + count < total) {
    const id = pages ?? storeSearch(ctx, typeName, resources);
    link.push({ relation: 'next', url: `${resourceBase}?_getpages=${id}&_getpagesoffset=${offset + count}&_count=${count}` });
  }
  resources = resources.slice(offset, count === undefined ? undefined : offset + count);
  return fhirResponse(200, {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: new Date().toISOString() },
    type: 'searchset',
    total,
    link,
    entry: resources.map((resource) => ({ fullUrl: `${resourceBase}/${resource.id}`, resource, search: { mode: 'match' } })),
  });
}

function capabilityStatement(baseUrl) {
  return fhirResponse(200, {
    resourceType: 'CapabilityStatement',
    id: 'halo-link',
    status: 'active',
    date: '2025-11-20',
    publisher: 'Halo Cloud simulator',
    kind: 'instance',
    version: HALO_LINK_VERSION,
    software: { name: 'Halo Link', version: HALO_LINK_VERSION },
    implementation: { description: 'Halo Cloud simulator FHIR facade', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/json'],
    rest: [
      {
        mode: 'server',
        resource: Object.entries(RESOURCE_TYPES).map(([type, definition]) => ({
          type,
          interaction: [{ code: 'read' }, { code: 'search-type' }],
          searchParam: Object.keys(definition.searchParameters).map((name) => ({ name, type: SEARCH_PARAMETER_TYPES[name] })),
        })),
      },
    ],
  });
}

/** GET …/fhir/R4/{fhirParameters}: `metadata`, `{Resource}` (search) or `{Resource}/{id}` (read). */
export function fhirGet(ctx) {
  const segments = ctx.params.fhirParameters.split('/');
  if (segments.length === 1 && segments[0] === 'metadata') {
    const { pathname } = ctx.url;
    return capabilityStatement(`${ctx.baseUrl}${pathname.slice(0, pathname.indexOf('/fhir/R4/') + '/fhir/R4'.length)}`);
  }
  const [typeName, id] = segments;
  if (segments.length === 1) return search(ctx, typeName, [...ctx.url.searchParams], `${ctx.baseUrl}${ctx.url.pathname}${ctx.url.search}`);
  if (segments.length !== 2 || id === '') throw operationOutcomeError(400, `Unsupported FHIR interaction '${ctx.params.fhirParameters}'.`);
  resourceType(typeName);
  const resource = resourcesOf(ctx.site, typeName).find((candidate) => candidate.id === id);
  if (!resource) throw operationOutcomeError(404, `${typeName}/${id} not found.`);
  return fhirResponse(200, resource);
}

/** POST …/fhir/R4/{resource}/_search with form-encoded parameters (keeps PII out of URLs). */
export function fhirSearchPost(ctx) {
  resourceType(ctx.params.resource);
  if (ctx.rawBody.length > 0 && contentTypeOf(ctx.request) !== 'application/x-www-form-urlencoded') {
    throw operationOutcomeError(400, 'Search parameters must be sent as application/x-www-form-urlencoded.');
  }
  const parameters = [...ctx.url.searchParams, ...new URLSearchParams(ctx.rawBody.toString('utf8'))];
  return search(ctx, ctx.params.resource, parameters, `${ctx.baseUrl}${ctx.url.pathname}`);
}
