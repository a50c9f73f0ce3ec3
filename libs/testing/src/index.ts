export * from './unique';
export * from './wait-for';
export * from './test-database';
export * from './free-port';
export * from './stack-env';
export * from './built-cli';
