// Loaded before every test file: a stray rejection fails the run loudly instead of killing it midway.
process.on('unhandledRejection', (err) => {
  console.error('UNHANDLED REJECTION (the run will fail):', err);
  process.exitCode = 1;
});
