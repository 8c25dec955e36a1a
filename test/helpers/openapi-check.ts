// Checks answers against the OpenAPI document: is the status declared for the operation, does the body fit its schema.

import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

interface MediaType {
  schema?: unknown;
}
interface Operation {
  responses?: Record<string, { content?: Record<string, MediaType> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

/** fastify's route url (`/a/:b`) as the document's path (`/a/{b}`). */
export function documentPath(route: string): string {
  return route.replace(/:(\w+)/g, '{$1}');
}

/** A disagreement with the document: an undeclared status, or a body (content type, schema) that does not fit. */
export interface Problem {
  kind: 'status' | 'body';
  text: string;
}

export class OpenApiChecker {
  private readonly ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {}

  /** The operation a route serves, or undefined when the route is not documented (hidden pages, /docs). */
  operation(method: string, route: string): Operation | undefined {
    const verb = method === 'HEAD' ? 'get' : method.toLowerCase();
    return this.document.paths[documentPath(route)]?.[verb];
  }

  /**
   * Problems with one answer of a documented operation: an undeclared status, an undeclared content type, or a JSON
   * body the declared schema refuses. Empty when the answer agrees with the document.
   */
  check(operation: Operation, status: number, contentType: string | undefined, body: string, hasBody: boolean): Problem[] {
    const response = operation.responses?.[String(status)];
    if (!response) return [{ kind: 'status', text: `status ${status} is not declared` }];
    if (!hasBody || body === '') return [];
    const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const media = response.content?.[essence];
    if (!media) return [{ kind: 'body', text: `content type ${essence || '(none)'} is not declared for ${status} (declared: ${Object.keys(response.content ?? {}).join(', ') || 'none'})` }];
    if (!essence.endsWith('json') || media.schema === undefined) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return [{ kind: 'body', text: `the ${status} body is not JSON` }];
    }
    const validate = this.validator(media.schema);
    if (validate(parsed)) return [];
    return [{ kind: 'body', text: `the ${status} body does not fit its schema: ${this.ajv.errorsText(validate.errors)}` }];
  }

  private validator(schema: unknown): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.validators.get(key);
    if (!validate) {
      // The document's components ride along so that #/components/schemas/... resolves from the schema's root.
      validate = this.ajv.compile({ ...(schema as object), components: this.document.components });
      this.validators.set(key, validate);
    }
    return validate;
  }
}
