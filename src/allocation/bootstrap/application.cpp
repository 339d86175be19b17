#include "allocation/bootstrap/application.hpp"

#include "allocation/adapters/log_notifications.hpp"
#include "allocation/adapters/log_publisher.hpp"
#include "allocation/adapters/redis/redis_publisher.hpp"
#include "allocation/adapters/smtp_notifications.hpp"
#include "allocation/adapters/sql/database.hpp"
#include "allocation/adapters/sql/migrations.hpp"
#include "allocation/adapters/sql/sql_read_model.hpp"
#include "allocation/adapters/sql/sql_unit_of_work.hpp"
#include "allocation/bootstrap/bootstrap.hpp"

namespace allocation::bootstrap {

namespace {

std::shared_ptr<service_layer::Notifications> notifications(const Settings& settings) {
  if (!settings.smtp_url) return std::make_shared<adapters::LogNotifications>();
  if (!settings.smtp_url->starts_with("smtp://")) {
    throw std::invalid_argument("malformed SMTP URL '" + *settings.smtp_url +
                                "': expected smtp://host:port");
  }
  return std::make_shared<adapters::SmtpNotifications>(adapters::SmtpSettings{
      .url = *settings.smtp_url, .from = settings.mail_from, .to = settings.mail_to});
}

std::optional<adapters::redis::RedisAddress> broker_address(const Settings& settings) {
  if (!settings.redis_url) return std::nullopt;
  return adapters::redis::parse_redis_url(*settings.redis_url);
}

std::shared_ptr<service_layer::EventPublisher> publisher(
    const std::optional<adapters::redis::RedisAddress>& broker) {
  if (!broker) return std::make_shared<adapters::LogPublisher>();
  return std::make_shared<adapters::redis::RedisPublisher>(*broker);
}

}  // namespace

Application::Application(const Settings& settings)
    : broker_(broker_address(settings)),
      database_(std::make_shared<adapters::sql::Database>(
          settings.database_url,
          adapters::sql::DatabaseOptions{.pool_size = settings.database_pool})),
      schema_version_(adapters::sql::migrate(*database_)),
      metrics_(std::make_shared<adapters::PrometheusMetrics>()),
      read_model_(std::make_shared<adapters::sql::SqlReadModel>(database_)),
      unit_of_work_(adapters::sql::sql_unit_of_work(database_)) {
  bus_ = std::make_unique<service_layer::MessageBus>(make_message_bus(
      {unit_of_work_, read_model_, notifications(settings), publisher(broker_), metrics_}));
}

Application::~Application() = default;

void Application::check_health() const { database_->ping(); }

}  // namespace allocation::bootstrap
