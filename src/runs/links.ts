/** Links people click: the Kestra UI (public URL) for an execution. */
export class Links {
  private readonly publicUrl: string;
  private readonly tenant: string;
  private readonly namespace: string;

  constructor(opts: { publicUrl: string; tenant: string; namespace: string }) {
    this.publicUrl = opts.publicUrl;
    this.tenant = opts.tenant;
    this.namespace = opts.namespace;
  }

  execution(flowId: string, executionId: string): string {
    const e = encodeURIComponent;
    return `${this.publicUrl}/ui/${e(this.tenant)}/executions/${e(this.namespace)}/${e(flowId)}/${e(executionId)}`;
  }

  logs(flowId: string, executionId: string): string {
    return `${this.execution(flowId, executionId)}/logs`;
  }
}
