{#- One row per arrears episode: consecutive months in which a contract was in arrears at month end.
    - begin_maand / laatste_maand: first and last month in arrears; is_hersteld: a later month of the same
      contract was out of arrears (cure); open episodes (still in arrears at the last month) are censored
    - vroegsignalering: days from the episode's start (first day of begin_maand) to the first VRS melding
      in the episode; vroegsignalering_tijdig = that melding came within 30-100 days
    - hoogste_incassostap: highest dunning step taken during the episode
    - regeling_*: arrangements agreed during the episode, kept (nagekomen) or broken (verbroken)
    - ontruimd: an eviction (ONT) was carried out during the episode -#}
with

maanden as (
    select * from {{ ref('fct_contract_maand') }}
),

genummerd as (
    select
        overeenkomst_id,
        maand,
        peildatum,
        in_achterstand,
        achterstand_euro,
        maanden_achterstand,
        leeftijdsklasse,
        huishoudsamenstelling,
        huurtoeslag,
        betaalwijze,
        inkomensklasse,
        contractduur_klasse,
        huurklasse,
        wijk,
        max(maand) over (partition by overeenkomst_id) as laatste_contractmaand,
        count(case when nieuw_in_achterstand then 1 end) over (
            partition by overeenkomst_id order by maand rows between unbounded preceding and current row
        ) as episode_nr
    from maanden
),

episodes as (
    select
        overeenkomst_id,
        episode_nr,
        min(maand) as begin_maand,
        max(maand) as laatste_maand,
        max(peildatum) as laatste_peildatum,
        count(*) as maanden_aantal,
        max(achterstand_euro) as hoogste_achterstand_euro,
        max(maanden_achterstand) as hoogste_maanden_achterstand,
        max(laatste_contractmaand) as laatste_contractmaand
    from genummerd
    where in_achterstand
    group by overeenkomst_id, episode_nr
),

kenmerken as (
    select *
    from genummerd
    where in_achterstand
),

acties as (
    select * from {{ ref('int_incassoacties') }}
),

regelingen as (
    select * from {{ ref('fct_betalingsregeling') }}
),

episode_acties as (
    select
        e.overeenkomst_id,
        e.episode_nr,
        max(a.stap_rang) as hoogste_stap_rang,
        min(case when a.actie_soort = 'VRS' then a.actiedatum end) as vroegsignalering_datum,
        max(case when a.actie_soort = 'ONT' then 1 else 0 end) = 1 as ontruimd
    from episodes as e
    inner join acties as a
        on a.overeenkomst_id = e.overeenkomst_id
        and a.actiedatum >= e.begin_maand
        and a.actiedatum <= {{ maand_einde('e.laatste_maand') }}
    group by e.overeenkomst_id, e.episode_nr
),

episode_regelingen as (
    select
        e.overeenkomst_id,
        e.episode_nr,
        count(*) as regelingen_aantal,
        count(case when r.is_nagekomen then 1 end) as regelingen_nagekomen_aantal,
        count(case when r.is_verbroken then 1 end) as regelingen_verbroken_aantal
    from episodes as e
    inner join regelingen as r
        on r.overeenkomst_id = e.overeenkomst_id
        and r.afspraakdatum >= e.begin_maand
        and r.afspraakdatum <= {{ maand_einde('e.laatste_maand') }}
    group by e.overeenkomst_id, e.episode_nr
),

final as (
    select
        {{ dbt.concat(["e.overeenkomst_id", "'|'", "cast(e.begin_maand as " ~ dbt.type_string() ~ ")"]) }}
            as episode_id,
        e.overeenkomst_id,
        e.begin_maand,
        e.laatste_maand,
        e.maanden_aantal,
        (e.laatste_maand < e.laatste_contractmaand) as is_hersteld,
        cast(e.hoogste_achterstand_euro as decimal(14, 2)) as hoogste_achterstand_euro,
        cast(e.hoogste_maanden_achterstand as decimal(10, 2)) as hoogste_maanden_achterstand,
        case a.hoogste_stap_rang
            when 1 then 'HER' when 2 then 'AAN' when 3 then 'SOM' when 4 then 'VRS' when 5 then 'DEU'
            when 6 then 'DAG' when 7 then 'VON' when 8 then 'ONA' when 9 then 'ONT'
        end as hoogste_incassostap,
        coalesce(a.hoogste_stap_rang >= 5, false) as deurwaarder_bereikt,
        a.vroegsignalering_datum,
        {{ dagen_tussen('e.begin_maand', 'a.vroegsignalering_datum') }} as vroegsignalering_dagen,
        coalesce({{ dagen_tussen('e.begin_maand', 'a.vroegsignalering_datum') }} between 30 and 100, false)
            as vroegsignalering_tijdig,
        coalesce(a.ontruimd, false) as ontruimd,
        coalesce(r.regelingen_aantal, 0) as regelingen_aantal,
        coalesce(r.regelingen_nagekomen_aantal, 0) as regelingen_nagekomen_aantal,
        coalesce(r.regelingen_verbroken_aantal, 0) as regelingen_verbroken_aantal,
        -- tenant and unit when the episode began
        k.leeftijdsklasse,
        k.huishoudsamenstelling,
        k.huurtoeslag,
        k.betaalwijze,
        k.inkomensklasse,
        k.contractduur_klasse,
        k.huurklasse,
        k.wijk
    from episodes as e
    left join episode_acties as a
        on a.overeenkomst_id = e.overeenkomst_id and a.episode_nr = e.episode_nr
    left join episode_regelingen as r
        on r.overeenkomst_id = e.overeenkomst_id and r.episode_nr = e.episode_nr
    left join kenmerken as k
        on k.overeenkomst_id = e.overeenkomst_id and k.maand = e.begin_maand
)

select * from final
