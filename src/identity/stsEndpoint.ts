/**
 * The STS endpoint a proof is signed for. It must be the one the query function verifies with, which is
 * its region's endpoint unless the deployment configured another; the SDK's standard endpoint variables
 * (`AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL`) point it at a stand-in.
 */
export function stsEndpointFor(region: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL;
  if (configured) return configured;
  return `https://sts.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}
