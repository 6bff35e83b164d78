// The seeded practice database every site starts with (each site gets its own mutable copy).
// Column types drive value coercion in the SQL executor; they are documented in README.md.

/** The column types the SQL executor knows (lib/sql-executor.mjs `coerce`). */
export const COLUMN_TYPES = Object.freeze(['int', 'decimal', 'string', 'date', 'datetime']);

const PATIENT_COLUMNS = [
  ['InternalID', 'int'],
  ['Title', 'string'],
  ['Firstname', 'string'],
  ['Surname', 'string'],
  ['DOB', 'date'],
  ['Sex', 'string'],
  ['Medicare', 'string'],
  ['Suburb', 'string'],
  ['State', 'string'],
  ['Postcode', 'string'],
  ['Phone', 'string'],
  ['UsualDoctorID', 'int'],
];

const PATIENT_ROWS = [
  [1, 'Mr', 'John', 'Smith', '1970-03-14', 'M', '2123456701', 'Newtown', 'NSW', '2042', '0412 345 601', 1],
  [2, 'Mrs', 'Jane', 'Citizen', '1985-11-02', 'F', '2123456702', 'Fitzroy', 'VIC', '3065', '0412 345 602', 2],
  [3, 'Ms', 'Aiko', 'Tanaka', '1992-06-21', 'F', '2123456703', 'Paddington', 'QLD', '4064', '0412 345 603', 1],
  [4, 'Mr', 'Liam', "O'Brien", '1958-01-30', 'M', '2123456704', 'Glenelg', 'SA', '5045', '0412 345 604', 3],
  [5, 'Dr', 'Priya', 'Sharma', '2001-09-09', 'F', '2123456705', 'Subiaco', 'WA', '6008', '0412 345 605', 2],
  [6, 'Mr', 'Noah', 'Williams', '2015-04-17', 'M', '2123456706', 'Newtown', 'NSW', '2042', '0412 345 606', 1],
  [7, 'Miss', 'Zoë', 'Nguyen', '1999-12-31', 'F', '2123456707', 'Battery Point', 'TAS', '7004', '0412 345 607', 3],
  [8, 'Mr', 'John', 'Smithers', '1944-07-04', 'M', '2123456708', 'Parap', 'NT', '0820', '0412 345 608', 4],
];

const PRACTITIONER_COLUMNS = [
  ['PractitionerID', 'int'],
  ['Title', 'string'],
  ['Firstname', 'string'],
  ['Surname', 'string'],
  ['ProviderNo', 'string'],
  ['Specialty', 'string'],
];

const PRACTITIONER_ROWS = [
  [1, 'Dr', 'Sarah', 'Connor', '2426621B', 'General Practice'],
  [2, 'Dr', 'James', 'Wong', '2426632K', 'General Practice'],
  [3, 'Dr', 'Emily', 'Hart', '2426643T', 'Paediatrics'],
  [4, 'Ms', 'Olivia', 'Brown', '2426654F', 'Practice Nursing'],
];

const APPOINTMENT_COLUMNS = [
  ['AppointmentID', 'int'],
  ['InternalID', 'int'],
  ['PractitionerID', 'int'],
  ['AppointmentDate', 'datetime'],
  ['Duration', 'int'],
  ['Reason', 'string'],
  ['Status', 'string'],
];

const APPOINTMENT_ROWS = [
  [1, 1, 1, '2026-07-01T09:00:00', 15, 'Annual check-up', 'Booked'],
  [2, 2, 2, '2026-07-01T09:15:00', 15, 'Flu vaccination', 'Booked'],
  [3, 3, 1, '2026-07-01T10:00:00', 30, 'Skin check', 'Booked'],
  [4, 4, 3, '2026-07-02T11:30:00', 15, 'Blood test results', 'Arrived'],
  [5, 5, 2, '2026-07-02T14:00:00', 15, 'Prescription renewal', 'Completed'],
  [6, 6, 3, '2026-07-03T08:30:00', 30, 'Childhood immunisation', 'Booked'],
  [7, 7, 1, '2026-07-03T16:45:00', 15, 'Sore throat', 'Cancelled'],
  [8, 8, 4, '2026-07-04T10:15:00', 45, 'Wound dressing', 'Booked'],
  [9, 1, 2, '2026-07-08T09:30:00', 15, 'Follow-up', 'Booked'],
  [10, 2, 1, '2026-07-09T13:00:00', 30, 'Care plan review', 'Booked'],
];

const OBSERVATION_COLUMNS = [
  ['ObservationID', 'int'],
  ['InternalID', 'int'],
  ['ObservationDate', 'date'],
  ['Code', 'string'],
  ['Name', 'string'],
  ['Value', 'decimal'],
  ['Unit', 'string'],
];

const OBSERVATION_ROW_COUNT = 1000;

const OBSERVATION_KINDS = [
  { code: '8867-4', name: 'Heart rate', unit: '/min', base: 60, spread: 40, decimals: 0 },
  { code: '8480-6', name: 'Systolic blood pressure', unit: 'mm[Hg]', base: 110, spread: 40, decimals: 0 },
  { code: '29463-7', name: 'Body weight', unit: 'kg', base: 55, spread: 40, decimals: 1 },
  { code: '8310-5', name: 'Body temperature', unit: 'Cel', base: 36.1, spread: 1.8, decimals: 1 },
];

// Deterministic, so page contents are the same on every run.
function generateObservationRows() {
  const firstDay = Date.UTC(2024, 0, 1);
  const rows = [];
  for (let id = 1; id <= OBSERVATION_ROW_COUNT; id++) {
    const kind = OBSERVATION_KINDS[id % OBSERVATION_KINDS.length];
    const fraction = ((id * 7919) % 1000) / 1000;
    const value = Number((kind.base + fraction * kind.spread).toFixed(kind.decimals));
    const date = new Date(firstDay + (id % 540) * 86_400_000).toISOString().slice(0, 10);
    rows.push([id, (id % PATIENT_ROWS.length) + 1, date, kind.code, kind.name, value, kind.unit]);
  }
  return rows;
}

function table(name, columnSpecs, rowValues) {
  const columns = columnSpecs.map(([columnName, type]) => ({ name: columnName, type }));
  const rows = rowValues.map((values) => Object.fromEntries(columns.map((column, i) => [column.name, values[i]])));
  // The first column is the primary key; INSERT without it takes the next number.
  return { name, columns, primaryKey: columns[0].name, rows };
}

const SEEDED_TABLES = [
  ['Patients', PATIENT_COLUMNS, () => PATIENT_ROWS],
  ['Practitioners', PRACTITIONER_COLUMNS, () => PRACTITIONER_ROWS],
  ['Appointments', APPOINTMENT_COLUMNS, () => APPOINTMENT_ROWS],
  ['Observations', OBSERVATION_COLUMNS, generateObservationRows],
];

export const SEEDED_TABLE_NAMES = Object.freeze(SEEDED_TABLES.map(([name]) => name));

/**
 * A fresh copy of the seeded tables plus `extraTables` (validated by lib/seed.mjs), keyed by
 * lower-case table name (SQL Server is case-insensitive).
 */
export function createPracticeDatabase(extraTables = []) {
  const tables = [
    ...SEEDED_TABLES.map(([name, columns, rows]) => table(name, columns, rows())),
    ...extraTables.map((extra) => table(extra.name, extra.columns, extra.rows)),
  ];
  return new Map(tables.map((t) => [t.name.toLowerCase(), t]));
}
