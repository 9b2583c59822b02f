/**
 * Every sentence the bundle writes on a page, in French and English. The
 * language is the page's (`<html lang>`), which the server sets from the
 * user's choice; the server's own messages (refusals) arrive already
 * translated in the error body.
 */
export type Lang = 'fr' | 'en';

const en = {
  keyCreating: 'Creating your personal key in this browser…',
  keyCreated: 'Your personal key is ready. Its private half never left this browser; only a copy locked with your passphrase is stored.',
  keyPassphraseMismatch: 'The two passphrases differ. Type the same passphrase twice.',
  keyPassphraseShort: 'Choose a passphrase of at least 12 characters.',
  keyUnlocking: 'Checking your passphrase…',
  keyUnlocked: 'Key unlocked, in this tab only: it is forgotten when you leave the page.',
  wrongPassphrase: 'Wrong passphrase: the key could not be unlocked. Check the passphrase and try again (the keyboard layout and Caps Lock matter).',
  notAnIdentityFile: 'This file is not an age identity file. Choose the file made by “callvault keygen”.',
  noIdentity: 'This file holds no age identity (AGE-SECRET-KEY-…).',
  notForYou: 'This grant was not made for your current key. Ask an administrator to grant the purpose again.',
  wrongPurposeKey: 'This identity file is not the key of the chosen purpose (its public key is not among the purpose’s recipients).',
  noKeyYet: 'You have no personal key yet. Create one on the Keys page first.',
  userNoKey: 'This user has not created a personal key yet: they must sign in once and create it before a grant can be made.',
  passkeyToo: 'Also let me unlock with a passkey on this device (WebAuthn)',
  passkeyUnlock: 'Unlock with a passkey',
  passkeyFailed: 'The passkey could not be used (cancelled, or this authenticator has no PRF support). Use your passphrase, or create the key without a passkey.',
  granting: 'Opening the identity file and wrapping it for the user in this browser…',
  granted: (user: string, purpose: string) => `Granted: ${user} can now listen to recordings of the purpose “${purpose}”.`,
  chooseFile: 'Choose the identity file.',
  network: 'The console could not be reached. Check your connection and try again.',
  serverError: (message: string) => message,
  unlockFirst: 'Type your key passphrase to listen.',
  fetching: 'Fetching the encrypted recording…',
  decrypting: 'Decrypting in this browser…',
  ready: 'Decrypted in this browser. Nothing decrypted was sent to the server.',
  noGrant: (purpose: string) => `You hold no grant for the purpose “${purpose}”. Ask an administrator to grant it on the Grants page.`,
  damaged: 'The recording could not be decrypted: the file is damaged or was not encrypted to this purpose’s key.',
  cannotPlay: 'This browser cannot play Ogg Opus audio. Use Chromium, Chrome, Edge or Firefox (Safari is not supported).',
  play: 'Play',
  pause: 'Pause',
  back5: '−5 s',
  forward5: '+5 s',
  speed: 'Speed',
  laneCaller: 'Caller',
  laneAgent: 'Agent',
  laneMixed: 'Call (mono)',
  cardData: 'card data: not recorded',
  waveform: 'Waveform of the recording',
  notes: 'Notes',
  noteLabel: 'Note at the current time',
  addNote: 'Add note',
  noteAdded: 'Note saved.',
  noteEmpty: 'Type a note first.',
  shortcuts: 'Keyboard shortcuts',
  shortcutList: [
    ['Space', 'play or pause'],
    ['←  /  →', 'back or forward 5 seconds'],
    ['↑  /  ↓', 'faster or slower'],
    ['N', 'write a note at the current time'],
  ] as Array<[string, string]>,
};

const fr: typeof en = {
  keyCreating: 'Création de votre clé personnelle dans ce navigateur…',
  keyCreated: 'Votre clé personnelle est prête. Sa partie privée n’a jamais quitté ce navigateur ; seule une copie verrouillée par votre phrase secrète est conservée.',
  keyPassphraseMismatch: 'Les deux phrases secrètes diffèrent. Tapez deux fois la même.',
  keyPassphraseShort: 'Choisissez une phrase secrète d’au moins 12 caractères.',
  keyUnlocking: 'Vérification de votre phrase secrète…',
  keyUnlocked: 'Clé déverrouillée, dans cet onglet seulement : elle est oubliée quand vous quittez la page.',
  wrongPassphrase: 'Phrase secrète incorrecte : la clé n’a pas pu être déverrouillée. Vérifiez la phrase et réessayez (la disposition du clavier et le verrouillage des majuscules comptent).',
  notAnIdentityFile: 'Ce fichier n’est pas un fichier d’identité age. Choisissez le fichier créé par « callvault keygen ».',
  noIdentity: 'Ce fichier ne contient aucune identité age (AGE-SECRET-KEY-…).',
  notForYou: 'Cette autorisation n’a pas été faite pour votre clé actuelle. Demandez à un administrateur d’autoriser de nouveau la finalité.',
  wrongPurposeKey: 'Ce fichier d’identité n’est pas la clé de la finalité choisie (sa clé publique ne figure pas parmi les destinataires de la finalité).',
  noKeyYet: 'Vous n’avez pas encore de clé personnelle. Créez-la d’abord sur la page Clés.',
  userNoKey: 'Cet utilisateur n’a pas encore créé sa clé personnelle : il doit se connecter une fois et la créer avant toute autorisation.',
  passkeyToo: 'Me permettre aussi de déverrouiller avec une clé d’accès sur cet appareil (WebAuthn)',
  passkeyUnlock: 'Déverrouiller avec une clé d’accès',
  passkeyFailed: 'La clé d’accès n’a pas pu servir (annulée, ou cet authentificateur ne prend pas en charge PRF). Utilisez votre phrase secrète, ou créez la clé sans clé d’accès.',
  granting: 'Ouverture du fichier d’identité et chiffrement pour l’utilisateur dans ce navigateur…',
  granted: (user: string, purpose: string) => `Autorisation accordée : ${user} peut désormais écouter les enregistrements de la finalité « ${purpose} ».`,
  chooseFile: 'Choisissez le fichier d’identité.',
  network: 'La console est injoignable. Vérifiez votre connexion et réessayez.',
  serverError: (message: string) => message,
  unlockFirst: 'Tapez la phrase secrète de votre clé pour écouter.',
  fetching: 'Récupération de l’enregistrement chiffré…',
  decrypting: 'Déchiffrement dans ce navigateur…',
  ready: 'Déchiffré dans ce navigateur. Rien de déchiffré n’a été envoyé au serveur.',
  noGrant: (purpose: string) => `Vous n’avez pas d’autorisation pour la finalité « ${purpose} ». Demandez-la à un administrateur (page Autorisations).`,
  damaged: 'L’enregistrement n’a pas pu être déchiffré : le fichier est endommagé ou n’a pas été chiffré pour la clé de cette finalité.',
  cannotPlay: 'Ce navigateur ne sait pas lire l’audio Ogg Opus. Utilisez Chromium, Chrome, Edge ou Firefox (Safari n’est pas pris en charge).',
  play: 'Lecture',
  pause: 'Pause',
  back5: '−5 s',
  forward5: '+5 s',
  speed: 'Vitesse',
  laneCaller: 'Appelant',
  laneAgent: 'Conseiller',
  laneMixed: 'Appel (mono)',
  cardData: 'données de carte : non enregistrées',
  waveform: 'Forme d’onde de l’enregistrement',
  notes: 'Notes',
  noteLabel: 'Note à l’instant courant',
  addNote: 'Ajouter la note',
  noteAdded: 'Note enregistrée.',
  noteEmpty: 'Tapez d’abord une note.',
  shortcuts: 'Raccourcis clavier',
  shortcutList: [
    ['Espace', 'lecture ou pause'],
    ['←  /  →', 'reculer ou avancer de 5 secondes'],
    ['↑  /  ↓', 'plus vite ou plus lentement'],
    ['N', 'écrire une note à l’instant courant'],
  ],
};

export type Strings = typeof en;

export function pageLang(): Lang {
  return document.documentElement.lang.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

export function strings(lang: Lang = pageLang()): Strings {
  return lang === 'fr' ? fr : en;
}
