import { describeProperties } from './support/properties.js';
import { createTestApp } from './support/test-app.js';

describeProperties('properties (e2e, fast-check)', () => createTestApp());
