/**
 * The refusals a browser user sees, in French: the catalogue (src/errors.ts)
 * is English, as the CLI and the logs are; the console answers in the user's
 * language. Codes the browser never shows (CLI-only) stay in English.
 */
import { CallvaultError, type ErrorCode } from '../errors.js';
import type { Language } from './store/users.js';
import type { Refusal } from './refusal.js';

type Text = { message: string; hint: string };

const FR: Partial<Record<ErrorCode, Text>> = {
  CV_ERR_CONSOLE_UNAUTHENTICATED: { message: 'connectez-vous d’abord', hint: 'votre session est absente, expirée ou révoquée : reconnectez-vous sur /login' },
  CV_ERR_CONSOLE_CSRF: { message: 'la requête ne porte pas de jeton CSRF valide', hint: 'rechargez la page et recommencez' },
  CV_ERR_CONSOLE_ORIGIN: { message: 'requête refusée : l’origine %s n’est pas cette console', hint: 'ouvrez la console à sa propre adresse' },
  CV_ERR_CONSOLE_FORBIDDEN: { message: 'le rôle %s ne permet pas %s', hint: 'demandez à un administrateur un rôle dont votre mission a besoin' },
  CV_ERR_CONSOLE_NO_GRANT: { message: 'vous n’avez pas de clé pour la finalité %s', hint: 'un administrateur qui détient la clé de cette finalité vous l’accorde (page Accès, ou `callvault grant --purpose %s --user NOM --identity FICHIER`)' },
  CV_ERR_CONSOLE_NOT_FOUND: { message: 'introuvable (%s)', hint: 'vérifiez l’adresse ; vous ne voyez que ce que votre rôle et vos équipes permettent' },
  CV_ERR_CONSOLE_BAD_REQUEST: { message: 'requête invalide : %s', hint: 'corrigez le champ indiqué' },
  CV_ERR_CONSOLE_EVALUATION_STEP: { message: 'cette étape de l’évaluation est refusée : %s', hint: 'rechargez l’évaluation : son état, votre rôle ou votre place dans l’évaluation ne permet pas cette étape' },
  CV_ERR_CONSOLE_TRAINING_COPY: { message: 'la copie de formation est refusée : %s', hint: 'faites la copie depuis la page de l’enregistrement : le navigateur la déchiffre et la chiffre pour les seuls destinataires de formation (archive.recipients.training)' },
  CV_ERR_CONSOLE_KEY_EXISTS: { message: 'l’utilisateur %s a déjà une clé personnelle', hint: 'un administrateur la réinitialise avec `callvault user reset NOM` (ce qui retire aussi ses accès)' },
  CV_ERR_CONSOLE_NO_KEY: { message: 'l’utilisateur %s n’a pas encore de clé personnelle', hint: 'il se connecte une fois et crée sa clé sur la page Ma clé ; accordez ensuite' },
  CV_ERR_CONSOLE_THROTTLED: { message: 'trop d’échecs de connexion : réessayez après %s', hint: 'patientez, ou demandez à un administrateur de consulter le journal d’audit' },
};

function fill(template: string, args: readonly unknown[]): string {
  let i = 0;
  return template.replace(/%s/g, () => (i < args.length ? String(args[i++]) : '%s'));
}

export function localized(err: CallvaultError, lang: Language): Text {
  const fr = FR[err.code];
  if (lang === 'en' || fr === undefined || !(err instanceof CallvaultError)) return { message: err.message, hint: err.hint };
  const args = (err as Refusal).args ?? [];
  return { message: fill(fr.message, args), hint: fill(fr.hint, args) };
}
