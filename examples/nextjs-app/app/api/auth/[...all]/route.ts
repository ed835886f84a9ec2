import { auth } from '../../../../lib/auth';

/** Better Auth's routes: sign-up, sign-in, sign-out, session, and the jwt plugin's /token and /jwks. */
const handler = (request: Request) => auth().handler(request);

export { handler as GET, handler as POST };
