/**
 * Every route of the console, in one table (Miniflux's routes.go): each
 * names who may call it (`access`), and the role-by-route test walks this
 * list, so a route added here is tested for every role without more code.
 */
import type { RouteSpec } from '../console-app.js';
import { auditShow } from './audit-show.js';
import { evaluationAnswers } from './evaluation-answers.js';
import { evaluationCreate } from './evaluation-create.js';
import { evaluationMeta } from './evaluation-meta.js';
import { evaluationNote } from './evaluation-note.js';
import { evaluationShow } from './evaluation-show.js';
import { evaluationStep } from './evaluation-step.js';
import { favicon } from './favicon.js';
import { reviewQueue } from './review-queue.js';
import { calibrationAnswers, calibrationClose, calibrationCreate, calibrationShow } from './calibration.js';
import { formDownload, formSave, formsShow } from './forms.js';
import { grantCreate } from './grant-create.js';
import { grantDelete } from './grant-delete.js';
import { grantRevoke } from './grant-revoke.js';
import { grantsShow } from './grants-show.js';
import { home } from './home.js';
import { keysShow } from './keys-show.js';
import { loginCheck } from './login-check.js';
import { loginShow } from './login-show.js';
import { logout } from './logout.js';
import { meShow } from './me-show.js';
import { meGrants } from './me-grants.js';
import { meKeyCreate } from './me-key-create.js';
import { meKeyShow } from './me-key-show.js';
import { noteCreate } from './note-create.js';
import { oidcCallback } from './oidc-callback.js';
import { oidcStart } from './oidc-start.js';
import { recordingAudio } from './recording-audio.js';
import { recordingMeta } from './recording-meta.js';
import { recordingShow } from './recording-show.js';
import { recordingsList } from './recordings-list.js';
import { statusShow } from './status-show.js';
import { subjectsFind } from './subjects-find.js';
import { subjectsShow } from './subjects-show.js';
import { userRecipient } from './user-recipient.js';
import { usersShow } from './users-show.js';
import { qualityShow } from './quality-show.js';
import { qualityExport } from './quality-export.js';
import { trainingCopyCreate, trainingRecipientsShow } from './training-copy-create.js';
import { playlistAssign, playlistCreate, playlistDelete, playlistItemAdd, playlistItemMove, playlistItemRemove, playlistShow, playlistUnassign, trainingShow } from './training-pages.js';
import { learnItemAudio, learnItemMeta, learnItemProgress, learnItemShow, learnShow } from './learn.js';

export const ROUTES: readonly RouteSpec[] = [
  // pages
  home, favicon, loginShow, loginCheck, logout, oidcStart, oidcCallback,
  recordingsList, recordingShow,
  keysShow, meShow,
  statusShow, auditShow, subjectsShow, subjectsFind,
  usersShow, grantsShow, grantRevoke,
  // API
  meKeyShow, meKeyCreate, meGrants,
  userRecipient, grantCreate, grantDelete,
  recordingMeta, recordingAudio, noteCreate,
  // evaluations (issue 10): pages with plain forms, and the player's two calls
  evaluationCreate, evaluationShow, evaluationAnswers, evaluationStep,
  evaluationMeta, evaluationNote, reviewQueue,
  formsShow, formDownload, formSave,
  calibrationCreate, calibrationShow, calibrationAnswers, calibrationClose,
  // quality dashboard
  qualityShow, qualityExport,
  // training (issue 10): copies made in the trainer's browser, playlists, a new hire's plays
  trainingRecipientsShow, trainingCopyCreate,
  trainingShow, playlistCreate, playlistShow, playlistItemAdd, playlistAssign,
  playlistItemMove, playlistItemRemove, playlistUnassign, playlistDelete,
  learnShow, learnItemShow, learnItemMeta, learnItemAudio, learnItemProgress,
];
