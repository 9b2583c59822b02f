/**
 * The form a new installation starts with: the four things the French guide
 * says an evaluation covers (following procedures, accuracy of the
 * information given, collecting the information needed, quality of the
 * relationship with the customer), in French and English. A centre edits it
 * into its own version 2 (form-versioning.ts); this version 1 never changes,
 * so old scores keep meaning what they meant. docs/quality.md shows it as a table.
 */
import type { EvaluationForm, Question } from './form.js';

const yesNo = (id: string, fr: string, en: string, more: Partial<Pick<Question, 'weight' | 'na' | 'severity' | 'comment'>> = {}): Question => ({
  id, kind: 'yes-no', label: { fr, en }, weight: 1, na: 'forbidden', severity: 'normal', comment: 'optional', ...more,
});

// 1 (poor) to 5 (excellent); 4 and up passes, so an on-failure comment is due at 3 and below.
const scale = (id: string, fr: string, en: string, weight: number): Question => ({
  id, kind: 'scale', min: 1, max: 5, passAt: 0.75, label: { fr, en }, weight, na: 'forbidden', severity: 'normal', comment: 'on-failure',
});

export const DEFAULT_FORM: EvaluationForm = {
  id: 'default',
  version: 1,
  title: { fr: 'Évaluation qualité des appels', en: 'Call quality evaluation' },
  passMark: 80,
  sections: [
    {
      id: 'procedures', weight: 25,
      label: { fr: 'Respect des procédures', en: 'Following procedures' },
      questions: [
        yesNo('greeting', 'Accueil selon le script (présentation, nom du service)', 'Greeting as scripted (introduces self and service)'),
        // Giving account details to the wrong person is a data breach: one failure fails the call.
        yesNo('identity-check', 'Identité du client vérifiée avant toute information sur son dossier', 'Customer identity checked before any account detail is given', { weight: 2, na: 'allowed', severity: 'fatal', comment: 'on-failure' }),
        yesNo('hold', 'Mise en attente annoncée, reprise avec remerciement', 'Hold announced, caller thanked on return', { na: 'allowed' }),
        yesNo('closing', 'Clôture : reformulation, « autre chose ? », formule de fin', 'Closing: summary, "anything else?", sign-off'),
      ],
    },
    {
      id: 'accuracy', weight: 30,
      label: { fr: 'Exactitude des informations données', en: 'Accuracy of the information given' },
      questions: [
        {
          id: 'information-correct', kind: 'choice', weight: 3, na: 'forbidden', severity: 'critical', comment: 'on-failure',
          label: { fr: 'Les informations données sont exactes', en: 'The information given is correct' },
          options: [
            { id: 'correct', label: { fr: 'Exactes', en: 'Correct' }, points: 1 },
            { id: 'corrected', label: { fr: 'Erreur mineure corrigée pendant l\'appel', en: 'Minor error, corrected during the call' }, points: 0.5 },
            { id: 'wrong', label: { fr: 'Erreur non corrigée', en: 'Error left uncorrected' }, points: 0 },
          ],
        },
        yesNo('commitments', 'Engagements (délais, rappel) réalistes et conformes à l\'offre', 'Commitments (delays, call-back) realistic and within the offer', { na: 'allowed' }),
        yesNo('mandatory-notices', 'Mentions obligatoires données quand elles s\'appliquent (conditions, rétractation)', 'Mandatory notices given where they apply (terms, withdrawal period)', { weight: 2, na: 'allowed', severity: 'critical', comment: 'on-failure' }),
      ],
    },
    {
      id: 'collection', weight: 20,
      label: { fr: 'Recueil des informations nécessaires', en: 'Collecting the information needed' },
      questions: [
        scale('needs', 'Besoin identifié par des questions adaptées', 'Need identified through the right questions', 2),
        yesNo('record-complete', 'Informations nécessaires au traitement saisies dans l\'outil', 'Information needed to handle the request entered in the tool'),
        // PCI DSS: card numbers are never said on a recorded line; minimisation (GDPR) for the rest.
        yesNo('only-needed', 'Seules les données nécessaires sont demandées (jamais un numéro de carte hors pause sécurisée)', 'Only the data needed is asked for (never a card number outside the secure pause)', { weight: 2, severity: 'fatal', comment: 'on-failure' }),
      ],
    },
    {
      id: 'relationship', weight: 25,
      label: { fr: 'Qualité de la relation avec le client', en: 'Quality of the relationship with the customer' },
      questions: [
        scale('courtesy', 'Courtoisie et ton', 'Courtesy and tone', 2),
        scale('listening', 'Écoute active, sans couper la parole', 'Active listening, no interrupting', 2),
        scale('clarity', 'Langage clair, sans jargon', 'Plain language, no jargon', 1),
        {
          id: 'objection-handling', kind: 'choice', weight: 1, na: 'allowed', severity: 'normal', comment: 'on-failure',
          label: { fr: 'Traitement d\'une objection ou d\'une insatisfaction', en: 'Handling an objection or dissatisfaction' },
          options: [
            { id: 'handled', label: { fr: 'Traitée', en: 'Handled' }, points: 1 },
            { id: 'partly', label: { fr: 'En partie', en: 'Partly' }, points: 0.5 },
            { id: 'not-handled', label: { fr: 'Non traitée', en: 'Not handled' }, points: 0 },
          ],
        },
      ],
    },
  ],
};
