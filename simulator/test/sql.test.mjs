// The SQL subset, exercised directly against a seeded database (no HTTP).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPracticeDatabase } from '../lib/database.mjs';
import { parseSql, SqlSyntaxError } from '../lib/sql-parser.mjs';
import { executeStatement, SqlExecutionError } from '../lib/sql-executor.mjs';

function run(database, text, parameters = {}) {
  const values = new Map(Object.entries(parameters).map(([name, value]) => [name.toLowerCase(), value]));
  return executeStatement(database, parseSql(text), values);
}

test('SELECT with TOP, WHERE (AND/OR/LIKE/IS NULL), ORDER BY and case-insensitive names', () => {
  const db = createPracticeDatabase();
  assert.deepEqual(run(db, 'select top 2 firstname from dbo.[patients] where sex = \'m\' order by dob desc').rows, [
    { Firstname: 'Noah' },
    { Firstname: 'John' },
  ]);
  assert.equal(run(db, "SELECT * FROM Patients WHERE Suburb = 'Newtown' AND DOB < '2000-01-01' OR Surname LIKE 'o''b%'").rows.length, 2);
  assert.equal(run(db, 'SELECT * FROM Patients WHERE Phone IS NOT NULL').rows.length, 8);
  assert.deepEqual(run(db, 'SELECT COUNT(*) FROM Observations WHERE InternalID = @id', { '@id': '3' }).rows, [{ Column1: 125 }]);
  assert.deepEqual(run(db, "SELECT 'x' AS Letter, 2").rows, [{ Letter: 'x', Column1: 2 }]);
});

test('INSERT, UPDATE and DELETE change the data and report rows affected', () => {
  const db = createPracticeDatabase();
  assert.deepEqual(run(db, "INSERT INTO Practitioners (Firstname, Surname) VALUES ('Ann', 'Lee'), ('Bo', 'Ng')"), { rowsAffected: 2 });
  assert.deepEqual(run(db, 'SELECT PractitionerID FROM Practitioners WHERE Surname = @s', { '@s': 'Ng' }).rows, [{ PractitionerID: 6 }]);
  assert.deepEqual(run(db, 'UPDATE Practitioners SET Specialty = @spec WHERE PractitionerID >= 5', { '@spec': 'Locum' }), { rowsAffected: 2 });
  assert.deepEqual(run(db, "DELETE FROM Practitioners WHERE Specialty = 'locum';"), { rowsAffected: 2 });
  assert.equal(run(db, 'SELECT * FROM Practitioners').rows.length, 4);
});

test('execution errors carry SQL Server error numbers', () => {
  const db = createPracticeDatabase();
  const failsWith = (text, code, parameters) =>
    assert.throws(() => run(db, text, parameters), (error) => error instanceof SqlExecutionError && error.code === code, text);
  failsWith('SELECT * FROM Missing', 208);
  failsWith('SELECT Missing FROM Patients', 207);
  failsWith('SELECT * FROM Patients WHERE InternalID = @nope', 137);
  failsWith("SELECT * FROM Patients WHERE InternalID = 'abc'", 245);
  failsWith("INSERT INTO Patients (InternalID, Firstname) VALUES (1, 'Dup')", 2627);
  failsWith('SELECT Firstname, COUNT(*) FROM Patients', 8120);
});

test('statements outside the subset are syntax errors', () => {
  for (const text of ['SELEC 1', 'SELECT * FROM Patients GROUP BY Sex', 'DROP TABLE Patients', 'SELECT * FROM Patients WHERE', 'SELECT 1; SELECT 2']) {
    assert.throws(() => parseSql(text), SqlSyntaxError, text);
  }
});
