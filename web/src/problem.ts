/** An RFC 9457 problem as the API sends it (api.md "Conventions"). */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
}
