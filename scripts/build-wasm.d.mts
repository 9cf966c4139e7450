/** One kernel file: its WebAssembly text and the generated module that carries its bytes. */
export interface WasmSource {
  wat: string;
  module: string;
  name: string;
}
export const WASM_SOURCES: WasmSource[];
export function assemble(watPath: string): Promise<string>;
export function moduleText(source: WasmSource, base64: string): string;
