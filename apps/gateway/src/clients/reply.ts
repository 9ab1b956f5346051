/** What an upstream call produced, whatever the adapter. */
export interface UpstreamReply {
  status: number;
  replica: string | undefined;
  region: string | undefined;
  body: string;
}
