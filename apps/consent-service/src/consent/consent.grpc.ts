import { Controller, Inject } from '@nestjs/common';
import {
  CheckPersonalizationConsentRequest,
  CheckPersonalizationConsentResult,
  CheckTrainingConsentRequest,
  CheckTrainingConsentResult,
  ConsentServiceController,
  ConsentServiceControllerMethods,
  ConsentState,
  DeletionRequest,
  DeletionStatus,
  DeletionStatusRequest,
  ExportSubjectDataRequest,
  GetPrivacyContextRequest,
  PrivacyContextReply,
  SetConsentRequest,
  SubjectDataExport,
  UserControlRequest,
  UserControlResult,
} from '@recsys/proto';
import { consentCheckQuery, privacyContextQuery, setConsentCommand, trainingConsentQuery, userControlCommand } from './consent.commands';
import { ConsentService } from './consent.service';
import { deletionCommand, deletionStatusQuery } from '../deletion/deletion.commands';
import { DeletionService } from '../deletion/deletion.service';
import { exportCommand, SubjectExportService } from '../export/subject-export.service';

/** gRPC transport of ConsentService: validate into a command, call the domain service. */
@Controller()
@ConsentServiceControllerMethods()
export class ConsentGrpcController implements ConsentServiceController {
  constructor(
    @Inject(ConsentService) private readonly consent: ConsentService,
    @Inject(DeletionService) private readonly deletions: DeletionService,
    @Inject(SubjectExportService) private readonly exports: SubjectExportService,
  ) {}

  setConsent(request: SetConsentRequest): Promise<ConsentState> {
    return this.consent.setConsent(setConsentCommand(request));
  }

  getPrivacyContext(request: GetPrivacyContextRequest): Promise<PrivacyContextReply> {
    return this.consent.getPrivacyContext(privacyContextQuery(request));
  }

  applyUserControl(request: UserControlRequest): Promise<UserControlResult> {
    return this.consent.applyUserControl(userControlCommand(request));
  }

  requestDeletion(request: DeletionRequest): Promise<DeletionStatus> {
    return this.deletions.request(deletionCommand(request));
  }

  getDeletionStatus(request: DeletionStatusRequest): Promise<DeletionStatus> {
    const q = deletionStatusQuery(request);
    return this.deletions.status(q.tenantId, q.deletionId);
  }

  exportSubjectData(request: ExportSubjectDataRequest): Promise<SubjectDataExport> {
    return this.exports.export(exportCommand(request));
  }

  async checkPersonalizationConsent(request: CheckPersonalizationConsentRequest): Promise<CheckPersonalizationConsentResult> {
    const q = consentCheckQuery(request);
    return { allowed: await this.consent.checkPersonalizationConsent(q.tenantId, q.userIds) };
  }

  async checkTrainingConsent(request: CheckTrainingConsentRequest): Promise<CheckTrainingConsentResult> {
    const q = trainingConsentQuery(request);
    const result = await this.consent.checkTrainingConsent(q.tenantId, q.subjectPids);
    return { trainablePids: result.trainable, deletedPids: result.deleted, deletionSnapshot: result.snapshot };
  }
}
