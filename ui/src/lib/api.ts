// Calls to the desktop shell: typed by the generated bindings, errors thrown
// as ApiError { code, message }. A NOT_LOGGED_IN error sends the user back to
// the login screen.
import { commands, type AppError } from "../bindings";
import { sentence } from "./format";
import { withoutCliOptions } from "./review";

export { commands };

export class ApiError extends Error {
  code: string;
  constructor(e: AppError) {
    super(e.message);
    this.code = e.code;
  }
}

type Res<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

let onLoggedOut: () => void = () => {};

export function whenLoggedOut(f: () => void) {
  onLoggedOut = f;
}

export async function call<T>(p: Promise<Res<T>>): Promise<T> {
  let r: Res<T>;
  try {
    r = await p;
  } catch (e) {
    throw new ApiError({
      code: "FAILURE",
      message: `l'application n'a pas répondu : ${String(e)}`,
    });
  }
  if (r.status === "ok") return r.data;
  if (r.error.code === "NOT_LOGGED_IN") onLoggedOut();
  throw new ApiError(r.error);
}

/** The French message of any error, for an alert. */
export function messageOf(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return sentence(withoutCliOptions(text));
}
