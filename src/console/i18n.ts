/**
 * The console's strings in French and English. Each key has both; the
 * type makes a missing translation a compile error. `%s` is filled in order.
 */
import type { Language } from './store/users.js';

const en = {
  'app.title': 'callvault console',
  'nav.recordings': 'Recordings', 'nav.status': 'Status', 'nav.audit': 'Audit', 'nav.subjects': 'Subject requests', 'nav.users': 'Users', 'nav.grants': 'Grants',
  'nav.keys': 'My key', 'nav.me': 'My recording windows', 'nav.logout': 'Sign out', 'nav.language': 'Français',
  'login.title': 'Sign in', 'login.username': 'User name', 'login.password': 'Password', 'login.submit': 'Sign in',
  'login.failed': 'Wrong user name or password, or the account is disabled.',
  'login.throttled': 'Too many failed sign-ins. Try again after %s.',
  'login.expired': 'Your session expired. Please sign in again.',
  'error.title': 'Error', 'error.notfound': 'Not found.', 'error.forbidden': 'Your role does not give access to this page.',
  'error.csrf': 'The form expired. Go back, reload the page and try again.',
  'rec.title': 'Recordings', 'rec.from': 'From', 'rec.to': 'To', 'rec.line': 'Line', 'rec.purpose': 'Purpose', 'rec.team': 'Team',
  'rec.agent': 'Agent id', 'rec.status': 'Status', 'rec.minDuration': 'Min. duration (s)', 'rec.maxDuration': 'Max. duration (s)',
  'rec.search': 'Search', 'rec.started': 'Started', 'rec.duration': 'Duration', 'rec.id': 'Recording', 'rec.next': 'Next page',
  'rec.none': 'No recording matches.', 'rec.any': 'any',
  'show.title': 'Recording %s', 'show.metadata': 'Metadata', 'show.holds': 'Legal holds', 'show.noHolds': 'No hold.',
  'show.audit': 'Access trail', 'show.player': 'Player', 'show.pauses': 'Payment pauses (card data: not recorded)',
  'show.channels': 'Channels', 'show.retention': 'Kept until', 'show.consent': 'Consent', 'show.decision': 'Decision',
  'show.unlock': 'Passphrase of your personal key', 'show.reason': 'Reason for listening', 'show.reasonDefault': 'quality review',
  'show.play': 'Decrypt and play', 'show.noPlayer': 'Your role sees metadata only; listening needs a reviewer role.',
  'show.placedBy': 'placed by %s on %s', 'show.released': 'released on %s',
  'keys.title': 'My personal key', 'keys.setup': 'Create your personal key. It is made and wrapped in this browser; the server only keeps it encrypted with your passphrase.',
  'keys.passphrase': 'Passphrase', 'keys.passphrase2': 'Passphrase (again)', 'keys.create': 'Create my key',
  'keys.unlock': 'Check my passphrase', 'keys.has': 'You have a personal key (public key %s).', 'keys.grants': 'Purposes granted to you',
  'keys.noGrants': 'No purpose granted yet: ask an admin.',
  'grants.title': 'Grants', 'grants.user': 'User', 'grants.purpose': 'Purpose', 'grants.identity': 'Identity file of the purpose (callvault keygen)',
  'grants.identityPassphrase': 'Passphrase of the identity file', 'grants.submit': 'Grant', 'grants.revoke': 'Revoke',
  'grants.existing': 'Current grants', 'grants.by': 'Granted by', 'grants.at': 'On',
  'users.title': 'Users', 'users.role': 'Role', 'users.teams': 'Teams', 'users.purposes': 'Purposes', 'users.state': 'State', 'users.key': 'Key',
  'users.cli': 'Users are created, disabled and reset with the command line: callvault user add|disable|reset.',
  'status.title': 'Status', 'status.healthy': 'Healthy', 'status.problems': 'Problems', 'status.daemon': 'Daemon', 'status.link': 'PBX link',
  'status.sampling': 'Sampling per line (last 7 days)', 'status.backlog': 'Spool backlog', 'status.storage': 'Storage', 'status.recordings': 'Recordings',
  'status.target': 'target', 'status.achieved': 'achieved', 'status.nextPurge': 'Next purge',
  'audit.title': 'Audit log', 'audit.chain': 'Chain verification', 'audit.ok': 'The chain is intact: %s rows, head %s.',
  'audit.broken': 'The chain is BROKEN at row %s: %s', 'audit.actor': 'Actor', 'audit.action': 'Action', 'audit.filter': 'Filter',
  'audit.at': 'When', 'audit.reason': 'Reason', 'audit.recording': 'Recording', 'audit.details': 'Details',
  'me.title': 'My recording windows', 'me.lines': 'Lines and how their calls are recorded', 'me.rate': 'your sampling rate',
  'me.evaluations': 'Your evaluations: none yet (evaluations come with a later release).',
  'yes': 'yes', 'no': 'no',
  'nav.quality': 'Quality',
  'quality.title': 'Quality dashboard', 'quality.from': 'From', 'quality.to': 'To (inclusive)', 'quality.team': 'Team', 'quality.allTeams': 'all teams',
  'quality.noTeam': '(no team)', 'quality.noAgent': '(no agent)', 'quality.show': 'Show', 'quality.csv': 'Download as CSV',
  'quality.period': 'Evaluations of calls from %s to %s (UTC), submitted or later; drafts and voided evaluations do not count.',
  'quality.scope': 'You see the evaluations of calls on the lines of your teams only.',
  'quality.none': 'No evaluation counts in this period.', 'quality.total': 'All evaluations shown',
  'quality.byTeam': 'Per team, against its targets', 'quality.byAgent': 'Per agent', 'quality.byLine': 'Per line', 'quality.byCriterion': 'Per criterion',
  'quality.heatmap': 'Criterion by team', 'quality.trend': 'Trend per agent and week (weeks start on Monday)',
  'quality.agent': 'Agent', 'quality.line': 'Line', 'quality.criterion': 'Criterion', 'quality.week': 'Week of',
  'quality.evaluations': 'Evaluations', 'quality.percent': 'Score', 'quality.critical': 'Critical failed', 'quality.fatal': 'Fatal failed',
  'quality.target': 'Target', 'quality.verdict': 'Verdict', 'quality.met': 'met', 'quality.missed': 'missed',
  'quality.tooFew': 'too few (%s of %s)', 'quality.noData': 'no data', 'quality.noTargets': 'No target is set for this team (quality.targets in the configuration).',
  'quality.trendMonthly': 'Trend per agent and month (periods over 13 weeks)',
  'quality.trendCut': 'The trend shows the first %s agents of %s: filter by team to see the others.',
} as const;

export type MessageKey = keyof typeof en;

const fr: Record<MessageKey, string> = {
  'app.title': 'console callvault',
  'nav.recordings': 'Enregistrements', 'nav.status': 'État', 'nav.audit': 'Journal d’audit', 'nav.subjects': 'Demandes des personnes', 'nav.users': 'Utilisateurs', 'nav.grants': 'Accès',
  'nav.keys': 'Ma clé', 'nav.me': 'Mes périodes d’enregistrement', 'nav.logout': 'Se déconnecter', 'nav.language': 'English',
  'login.title': 'Connexion', 'login.username': 'Nom d’utilisateur', 'login.password': 'Mot de passe', 'login.submit': 'Se connecter',
  'login.failed': 'Nom d’utilisateur ou mot de passe incorrect, ou compte désactivé.',
  'login.throttled': 'Trop d’échecs de connexion. Réessayez après %s.',
  'login.expired': 'Votre session a expiré. Reconnectez-vous.',
  'error.title': 'Erreur', 'error.notfound': 'Introuvable.', 'error.forbidden': 'Votre rôle ne donne pas accès à cette page.',
  'error.csrf': 'Le formulaire a expiré. Revenez en arrière, rechargez la page et recommencez.',
  'rec.title': 'Enregistrements', 'rec.from': 'Du', 'rec.to': 'Au', 'rec.line': 'Ligne', 'rec.purpose': 'Finalité', 'rec.team': 'Équipe',
  'rec.agent': 'Identifiant agent', 'rec.status': 'Statut', 'rec.minDuration': 'Durée min. (s)', 'rec.maxDuration': 'Durée max. (s)',
  'rec.search': 'Rechercher', 'rec.started': 'Début', 'rec.duration': 'Durée', 'rec.id': 'Enregistrement', 'rec.next': 'Page suivante',
  'rec.none': 'Aucun enregistrement ne correspond.', 'rec.any': 'tous',
  'show.title': 'Enregistrement %s', 'show.metadata': 'Métadonnées', 'show.holds': 'Gels juridiques', 'show.noHolds': 'Aucun gel.',
  'show.audit': 'Traçabilité des accès', 'show.player': 'Lecteur', 'show.pauses': 'Pauses de paiement (données de carte : non enregistrées)',
  'show.channels': 'Canaux', 'show.retention': 'Conservé jusqu’au', 'show.consent': 'Consentement', 'show.decision': 'Décision',
  'show.unlock': 'Phrase secrète de votre clé personnelle', 'show.reason': 'Motif de l’écoute', 'show.reasonDefault': 'quality review',
  'show.play': 'Déchiffrer et écouter', 'show.noPlayer': 'Votre rôle ne voit que les métadonnées ; l’écoute demande un rôle d’évaluateur.',
  'show.placedBy': 'posé par %s le %s', 'show.released': 'levé le %s',
  'keys.title': 'Ma clé personnelle', 'keys.setup': 'Créez votre clé personnelle. Elle est créée et protégée dans ce navigateur ; le serveur ne la garde que chiffrée par votre phrase secrète.',
  'keys.passphrase': 'Phrase secrète', 'keys.passphrase2': 'Phrase secrète (confirmation)', 'keys.create': 'Créer ma clé',
  'keys.unlock': 'Vérifier ma phrase secrète', 'keys.has': 'Vous avez une clé personnelle (clé publique %s).', 'keys.grants': 'Finalités qui vous sont accordées',
  'keys.noGrants': 'Aucune finalité accordée : demandez à un administrateur.',
  'grants.title': 'Accès', 'grants.user': 'Utilisateur', 'grants.purpose': 'Finalité', 'grants.identity': 'Fichier d’identité de la finalité (callvault keygen)',
  'grants.identityPassphrase': 'Phrase secrète du fichier d’identité', 'grants.submit': 'Accorder', 'grants.revoke': 'Retirer',
  'grants.existing': 'Accès en cours', 'grants.by': 'Accordé par', 'grants.at': 'Le',
  'users.title': 'Utilisateurs', 'users.role': 'Rôle', 'users.teams': 'Équipes', 'users.purposes': 'Finalités', 'users.state': 'État', 'users.key': 'Clé',
  'users.cli': 'Les utilisateurs se créent, se désactivent et se réinitialisent en ligne de commande : callvault user add|disable|reset.',
  'status.title': 'État', 'status.healthy': 'Sain', 'status.problems': 'Problèmes', 'status.daemon': 'Démon', 'status.link': 'Lien PBX',
  'status.sampling': 'Échantillonnage par ligne (7 derniers jours)', 'status.backlog': 'File d’attente du spool', 'status.storage': 'Stockage', 'status.recordings': 'Enregistrements',
  'status.target': 'cible', 'status.achieved': 'obtenu', 'status.nextPurge': 'Prochaine purge',
  'audit.title': 'Journal d’audit', 'audit.chain': 'Vérification de la chaîne', 'audit.ok': 'La chaîne est intacte : %s lignes, tête %s.',
  'audit.broken': 'La chaîne est ROMPUE à la ligne %s : %s', 'audit.actor': 'Acteur', 'audit.action': 'Action', 'audit.filter': 'Filtrer',
  'audit.at': 'Quand', 'audit.reason': 'Motif', 'audit.recording': 'Enregistrement', 'audit.details': 'Détails',
  'me.title': 'Mes périodes d’enregistrement', 'me.lines': 'Les lignes et la façon dont leurs appels sont enregistrés', 'me.rate': 'votre taux d’échantillonnage',
  'me.evaluations': 'Vos évaluations : aucune pour l’instant (elles viendront avec une prochaine version).',
  'yes': 'oui', 'no': 'non',
  'nav.quality': 'Qualité',
  'quality.title': 'Tableau de bord qualité', 'quality.from': 'Du', 'quality.to': 'Au (inclus)', 'quality.team': 'Équipe', 'quality.allTeams': 'toutes les équipes',
  'quality.noTeam': '(sans équipe)', 'quality.noAgent': '(sans agent)', 'quality.show': 'Afficher', 'quality.csv': 'Télécharger en CSV',
  'quality.period': 'Évaluations des appels du %s au %s (UTC), soumises ou au-delà ; les brouillons et les évaluations annulées ne comptent pas.',
  'quality.scope': 'Vous voyez seulement les évaluations des appels des lignes de vos équipes.',
  'quality.none': 'Aucune évaluation ne compte sur cette période.', 'quality.total': 'Toutes les évaluations affichées',
  'quality.byTeam': 'Par équipe, face à ses objectifs', 'quality.byAgent': 'Par agent', 'quality.byLine': 'Par ligne', 'quality.byCriterion': 'Par critère',
  'quality.heatmap': 'Critère par équipe', 'quality.trend': 'Évolution par agent et par semaine (semaines commençant le lundi)',
  'quality.agent': 'Agent', 'quality.line': 'Ligne', 'quality.criterion': 'Critère', 'quality.week': 'Semaine du',
  'quality.evaluations': 'Évaluations', 'quality.percent': 'Score', 'quality.critical': 'Critiques échouées', 'quality.fatal': 'Éliminatoires échouées',
  'quality.target': 'Objectif', 'quality.verdict': 'Verdict', 'quality.met': 'atteint', 'quality.missed': 'manqué',
  'quality.tooFew': 'trop peu (%s sur %s)', 'quality.noData': 'pas de données', 'quality.noTargets': 'Aucun objectif pour cette équipe (quality.targets dans la configuration).',
  'quality.trendMonthly': 'Évolution par agent et par mois (périodes de plus de 13 semaines)',
  'quality.trendCut': 'L’évolution montre les %s premiers agents sur %s : filtrez par équipe pour voir les autres.',
};

const catalogues: Record<Language, Record<MessageKey, string>> = { en, fr };

export type Translate = (key: MessageKey, ...args: Array<string | number>) => string;

export function translator(lang: Language): Translate {
  const cat = catalogues[lang];
  return (key, ...args) => {
    let i = 0;
    return cat[key].replace(/%s/g, () => (i < args.length ? String(args[i++]) : '%s'));
  };
}

export function isLanguage(v: unknown): v is Language {
  return v === 'fr' || v === 'en';
}
