// The version of Pagure's API this forge answers as. One constant, served by /api/0/version.
export const PAGURE_API_VERSION = '0.31';
