export * from './unique';
export * from './wait-for';
export * from './test-database';
