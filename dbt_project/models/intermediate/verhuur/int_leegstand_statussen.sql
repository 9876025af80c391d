{#- Every leegstand status period (status LEE) of every unit, numbered into vacancies: consecutive LEE
    periods (the next begins on or the day after the previous one's einddatum) form one vacancy.
    `dagen` runs to the next period of the same vacancy (or its end), so a vacancy's parts add up to
    its leegstand_dagen. Periods are the current snapshot of eenheidstatussen as known at the extract date; anything
    after the extract date is cut off there (censoring). -#}
with

lee as (
    select
        eenheid_id,
        detailstatus as leegstand_reden,
        begindatum,
        case when einddatum <= {{ extractdatum() }} then einddatum end as einddatum
    from {{ ref('stg_raw__eenheidstatussen') }}
    where
        {{ is_actueel() }}
        and status = 'LEE'
        and begindatum <= {{ extractdatum() }}
),

gemarkeerd as (
    select
        lee.*,
        lag(lee.einddatum) over (partition by lee.eenheid_id order by lee.begindatum) as vorige_einddatum,
        row_number() over (partition by lee.eenheid_id order by lee.begindatum) as rij
    from lee
),

eilanden as (
    select
        gemarkeerd.*,
        sum(
            case
                when gemarkeerd.rij = 1 then 1
                when gemarkeerd.vorige_einddatum is null then 0  -- the previous period is open: this continues it
                when gemarkeerd.begindatum <= {{ plus_dagen('vorige_einddatum', 1) }} then 0
                else 1
            end
        ) over (partition by gemarkeerd.eenheid_id order by gemarkeerd.begindatum rows between unbounded preceding and current row)
            as leegstand_nr
    from gemarkeerd
),

met_begin as (
    select
        eilanden.*,
        min(eilanden.begindatum) over (partition by eilanden.eenheid_id, eilanden.leegstand_nr) as leegstand_begindatum
    from eilanden
),

met_volgende as (
    select
        met_begin.*,
        lead(met_begin.begindatum) over (partition by met_begin.eenheid_id, met_begin.leegstand_nr order by met_begin.begindatum) as volgende_begindatum
    from met_begin
)

select
    {{ dbt.concat(["eenheid_id", "'|'", "cast(leegstand_begindatum as " ~ dbt.type_string() ~ ")"]) }} as leegstand_id,
    eenheid_id,
    leegstand_nr,
    leegstand_begindatum,
    leegstand_reden,
    begindatum,
    einddatum,
    (einddatum is not null) as is_afgesloten,
    {#- days up to the next period of the same vacancy, so that the parts add up to the vacancy's days -#}
    {{ dagen_tussen('begindatum', 'coalesce(volgende_begindatum, einddatum, ' ~ extractdatum() ~ ')') }} as dagen
from met_volgende
