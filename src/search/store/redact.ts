/** A server location as it may be printed: its password (in the user part or as a parameter) masked. */
export function redactPostgresLocation(location: string): string {
  return location.replace(/(\/\/[^:/@]*):[^@/]*@/, "$1:***@").replace(/([?&]password=)[^&]*/i, "$1***");
}
