// Runs the @nestjs/swagger CLI plugin under ts-jest, so tests see the same OpenAPI metadata as
// `nest build` (DTO constraints and JSDoc descriptions). Options mirror nest-cli.json.
const plugin = require('@nestjs/swagger/plugin');
const { compilerOptions } = require('../../nest-cli.json');

const options = compilerOptions.plugins.find((p) => p.name === '@nestjs/swagger').options;

module.exports.name = 'nestjs-swagger-transformer';
module.exports.version = 1;
module.exports.factory = (compilerInstance) => plugin.before(options, compilerInstance.program);
