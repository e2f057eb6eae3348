/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.[tj]s$': ['@swc/jest'] },
  // Two dependencies of Fastify ship ESM only (fine for Node 20.19+, not for Jest's module
  // loader on Node 20): compile them to CommonJS like our own code.
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|cookie)/)'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // Each file starts a worker and owns a database; two cores run two files at a time.
  maxWorkers: 2,
  testTimeout: 60_000,
};
