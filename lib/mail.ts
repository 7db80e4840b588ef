/** Sending one plain-text mail through an SMTP server (nodemailer's only home). */
import nodemailer from 'nodemailer'
import { RoostError } from './errors.js'

export interface SmtpSettings {
  host: string
  port: number
  secure: boolean
  user?: string
  password?: string
}

export async function sendMail(smtp: SmtpSettings, mail: { from: string; to: readonly string[]; subject: string; text: string }): Promise<void> {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  })
  try {
    await transport.sendMail({ from: mail.from, to: [...mail.to], subject: mail.subject, text: mail.text })
  } catch (err) {
    throw new RoostError('TOOL_FAILED', `mail through ${smtp.host}:${smtp.port} failed: ${(err as Error).message}`, { cause: err })
  } finally {
    transport.close()
  }
}
